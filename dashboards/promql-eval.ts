import type { Expr, Matcher } from './promql-parse.js';
import type { Point, ScrapeStore, Series } from './scrape-store.js';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

type Value = { kind: 'scalar'; value: number } | { kind: 'vector'; samples: Sample[] };

/**
 * Evaluates a parsed expression at `t` over the scrapes, with Prometheus's
 * semantics where a panel could tell the difference: `rate` extrapolates to
 * the window's edges and handles counter resets, `histogram_quantile`
 * interpolates linearly inside the bucket, and arithmetic or aggregation
 * drops the metric name.
 */
export function evaluate(expr: Expr, store: ScrapeStore, t: number): Sample[] {
  const value = evaluateValue(expr, store, t);
  return value.kind === 'vector' ? value.samples : [{ labels: {}, value: value.value }];
}

function evaluateValue(expr: Expr, store: ScrapeStore, t: number): Value {
  switch (expr.kind) {
    case 'number':
      return { kind: 'scalar', value: expr.value };
    case 'selector': {
      if (expr.rangeMs !== undefined) throw new Error(`a range needs a function: ${expr.name}`);
      const samples: Sample[] = [];
      for (const series of matching(store, expr.name, expr.matchers)) {
        const value = store.instant(series, t);
        if (value !== undefined)
          samples.push({ labels: { __name__: expr.name, ...series.labels }, value });
      }
      return { kind: 'vector', samples };
    }
    case 'call':
      return call(expr.fn, expr.args, store, t);
    case 'aggregate':
      return { kind: 'vector', samples: aggregate(expr, vectorOf(expr.expr, store, t)) };
    case 'binary':
      return binary(expr.op, evaluateValue(expr.lhs, store, t), evaluateValue(expr.rhs, store, t));
  }
}

function vectorOf(expr: Expr, store: ScrapeStore, t: number): Sample[] {
  return vectorSamples(evaluateValue(expr, store, t));
}

function vectorSamples(value: Value): Sample[] {
  if (value.kind !== 'vector') throw new Error('expected an instant vector');
  return value.samples;
}

function matching(store: ScrapeStore, name: string, matchers: readonly Matcher[]): Series[] {
  const tests = matchers.map(({ label, op, value }) => {
    const regex = new RegExp(`^(?:${value})$`);
    return (labels: Readonly<Record<string, string>>): boolean => {
      const actual = labels[label] ?? '';
      if (op === '=') return actual === value;
      if (op === '!=') return actual !== value;
      return regex.test(actual) === (op === '=~');
    };
  });
  return store.named(name).filter((series) => tests.every((test) => test(series.labels)));
}

function call(fn: string, args: readonly Expr[], store: ScrapeStore, t: number): Value {
  if (fn === 'rate' || fn === 'increase') {
    const [selector] = args;
    if (selector?.kind !== 'selector' || selector.rangeMs === undefined) {
      throw new Error(`${fn}() needs a range selector`);
    }
    const window = selector.rangeMs;
    const samples: Sample[] = [];
    for (const series of matching(store, selector.name, selector.matchers)) {
      const value = extrapolatedRate(store.range(series, t, window), t, window, fn === 'rate');
      if (value !== undefined) samples.push({ labels: { ...series.labels }, value });
    }
    return { kind: 'vector', samples };
  }
  if (fn === 'histogram_quantile') {
    const q = evaluateValue(args[0], store, t);
    if (q.kind !== 'scalar') throw new Error('histogram_quantile() needs a number first');
    return { kind: 'vector', samples: histogramQuantile(q.value, vectorOf(args[1], store, t)) };
  }
  throw new Error(`unsupported function ${fn}()`);
}

/** Prometheus's extrapolatedRate (promql/functions.go), for counters. */
function extrapolatedRate(
  points: readonly Point[],
  t: number,
  windowMs: number,
  perSecond: boolean,
): number | undefined {
  if (points.length < 2) return undefined;
  const first = points[0];
  const last = points[points.length - 1];
  let delta = last.v - first.v;
  for (let i = 1; i < points.length; i++) {
    if (points[i].v < points[i - 1].v) delta += points[i - 1].v;
  }
  const sampled = (last.t - first.t) / 1000;
  const averageInterval = sampled / (points.length - 1);
  let toStart = (first.t - (t - windowMs)) / 1000;
  const toEnd = (t - last.t) / 1000;
  // A counter cannot be extrapolated to below zero.
  if (delta > 0 && first.v >= 0) toStart = Math.min(toStart, sampled * (first.v / delta));
  const threshold = averageInterval * 1.1;
  let extrapolated = sampled;
  extrapolated += toStart < threshold ? toStart : averageInterval / 2;
  extrapolated += toEnd < threshold ? toEnd : averageInterval / 2;
  const value = delta * (extrapolated / sampled);
  return perSecond ? value / (windowMs / 1000) : value;
}

/** Prometheus's bucketQuantile (promql/quantile.go) over each group of `le` buckets. */
function histogramQuantile(q: number, samples: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: [number, number][] }>();
  for (const { labels, value } of samples) {
    const { le, __name__: _name, ...rest } = labels;
    if (le === undefined) continue;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { labels: rest, buckets: [] };
    group.buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ labels, buckets }) => ({
    labels,
    value: bucketQuantile(q, buckets),
  }));
}

function bucketQuantile(q: number, buckets: [number, number][]): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a[0] - b[0]);
  if (buckets.length < 2 || buckets[buckets.length - 1][0] !== Infinity) return NaN;
  // Rates of cumulative buckets can come out a hair non-monotonic: Prometheus evens them.
  for (let i = 1; i < buckets.length; i++)
    buckets[i][1] = Math.max(buckets[i][1], buckets[i - 1][1]);
  const observations = buckets[buckets.length - 1][1];
  if (observations === 0) return NaN;
  let rank = q * observations;
  const b = buckets.findIndex(([, count]) => count >= rank);
  if (b === -1 || b >= buckets.length - 1) return buckets[buckets.length - 2][0];
  if (b === 0 && buckets[0][0] <= 0) return buckets[0][0];
  const end = buckets[b][0];
  let count = buckets[b][1];
  let start = 0;
  if (b > 0) {
    start = buckets[b - 1][0];
    count -= buckets[b - 1][1];
    rank -= buckets[b - 1][1];
  }
  return start + (end - start) * (rank / count);
}

function aggregate(
  expr: Extract<Expr, { kind: 'aggregate' }>,
  samples: readonly Sample[],
): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const sample of samples) {
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(sample.labels)) {
      if (name === '__name__') continue;
      if (expr.labels.includes(name) !== expr.without) labels[name] = value;
    }
    const key = JSON.stringify(Object.entries(labels).sort());
    const group = groups.get(key) ?? { labels, values: [] };
    group.values.push(sample.value);
    groups.set(key, group);
  }
  const reduce: Record<string, (values: number[]) => number> = {
    sum: (values) => values.reduce((a, b) => a + b, 0),
    min: (values) => Math.min(...values),
    max: (values) => Math.max(...values),
    avg: (values) => values.reduce((a, b) => a + b, 0) / values.length,
    count: (values) => values.length,
  };
  return [...groups.values()].map(({ labels, values }) => ({
    labels,
    value: reduce[expr.op](values),
  }));
}

function binary(op: '+' | '-' | '*' | '/', lhs: Value, rhs: Value): Value {
  const apply = (a: number, b: number): number =>
    op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  const withoutName = ({ __name__: _name, ...labels }: Record<string, string>) => labels;
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    return { kind: 'scalar', value: apply(lhs.value, rhs.value) };
  }
  const each = (samples: Sample[], value: (sample: Sample) => number): Value => ({
    kind: 'vector',
    samples: samples.map((sample) => ({
      labels: withoutName(sample.labels),
      value: value(sample),
    })),
  });
  if (rhs.kind === 'scalar') return each(vectorSamples(lhs), (s) => apply(s.value, rhs.value));
  if (lhs.kind === 'scalar') return each(rhs.samples, (s) => apply(lhs.value, s.value));
  // One-to-one matching on every label but the name, as `a / b` does without `on`/`ignoring`.
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(Object.entries(withoutName(labels)).sort());
  const right = new Map(rhs.samples.map((sample) => [keyOf(sample.labels), sample.value]));
  const samples: Sample[] = [];
  for (const sample of lhs.samples) {
    const other = right.get(keyOf(sample.labels));
    if (other !== undefined) {
      samples.push({ labels: withoutName(sample.labels), value: apply(sample.value, other) });
    }
  }
  return { kind: 'vector', samples };
}
