import type { GrpcPoolStats } from 'nestjs-grpc-pool';
import type { ScrapeStore, Series } from './scrape-store.js';

const describe = ({ name, labels }: Series): string =>
  `${name}{${Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',')}}`;

const clock = (t: number): string => new Date(t).toISOString().slice(11, 23);

/**
 * What the scrapes say that a dashboard would show wrong or not at all:
 * counters that go backwards, series that vanish and come back, gauges that
 * never move, histograms whose +Inf bucket is not their count, and figures
 * that disagree with the pool's own `stats()` at the end of the run.
 */
export function checkMetrics(store: ScrapeStore, final: GrpcPoolStats): string[] {
  const findings: string[] = [];
  const all = allSeries(store);
  for (const series of all) {
    const counter = /_(total|count|sum|bucket)$/.test(series.name);
    for (let i = 1; counter && i < series.points.length; i++) {
      const [before, after] = [series.points[i - 1], series.points[i]];
      if (after.v < before.v) {
        findings.push(
          `counter went backwards: ${describe(series)} ${before.v} at ${clock(before.t)} -> ${after.v} at ${clock(after.t)}`,
        );
      }
    }
    const first = store.times.indexOf(series.points[0].t);
    const missed = store.times.slice(first).length - series.points.length;
    if (missed > 0)
      findings.push(
        `series missing from ${missed} scrape(s) after it appeared: ${describe(series)}`,
      );
  }
  for (const name of [
    'grpc_pool_calls_in_flight',
    'grpc_pool_calls_queued',
    'grpc_pool_hit_rate',
  ]) {
    for (const series of store.named(name)) {
      if (new Set(series.points.map((p) => p.v)).size === 1) {
        findings.push(`gauge never moved: ${describe(series)} stayed ${series.points[0].v}`);
      }
    }
  }
  findings.push(
    ...checkHistograms(store),
    ...checkCalls(store),
    ...checkAgainstStats(store, final),
  );
  return findings;
}

/**
 * Per method: never more calls handled than started; and, at the end, a unary
 * call's one request message counted once, as go-grpc-prometheus counts it.
 */
function checkCalls(store: ScrapeStore): string[] {
  const findings: string[] = [];
  const t = store.times[store.times.length - 1];
  const methods = new Set(
    store.named('grpc_client_started_total').map((s) => s.labels.grpc_method),
  );
  for (const method of methods) {
    const sum = (name: string, at: number): number =>
      store
        .named(name)
        .filter((series) => series.labels.grpc_method === method)
        .reduce((total, series) => total + (store.instant(series, at) ?? 0), 0);
    const early = store.times.find(
      (at) => sum('grpc_client_handled_total', at) > sum('grpc_client_started_total', at),
    );
    if (early !== undefined)
      findings.push(`${method}: more calls handled than started at ${clock(early)}`);
    const unary = store
      .named('grpc_client_started_total')
      .some((s) => s.labels.grpc_method === method && s.labels.grpc_type === 'unary');
    const [started, sent] = [
      sum('grpc_client_started_total', t),
      sum('grpc_client_msg_sent_total', t),
    ];
    if (unary && sent !== started) {
      findings.push(
        `${method} (unary): grpc_client_msg_sent_total is ${sent} for ${started} calls started (go-grpc-prometheus counts one request message per unary call); grpc_pool_retries_total for it is ${sum('grpc_pool_retries_total', t)}`,
      );
    }
  }
  return findings;
}

function allSeries(store: ScrapeStore): Series[] {
  const names = new Set<string>();
  for (const prefix of ['grpc_client_', 'grpc_pool_']) {
    for (const series of store.namesStartingWith(prefix)) names.add(series);
  }
  return [...names].flatMap((name) => [...store.named(name)]);
}

function checkHistograms(store: ScrapeStore): string[] {
  const findings: string[] = [];
  for (const name of store.namesStartingWith('grpc_')) {
    if (!name.endsWith('_count')) continue;
    const base = name.slice(0, -'_count'.length);
    for (const count of store.named(name)) {
      const inf = store
        .named(`${base}_bucket`)
        .find((bucket) => bucket.labels.le === '+Inf' && sameLabels(bucket.labels, count.labels));
      for (const point of count.points) {
        const infValue = inf?.points.find((p) => p.t === point.t)?.v;
        if (infValue !== point.v) {
          findings.push(
            `${describe(count)} is ${point.v} but its +Inf bucket is ${infValue} at ${clock(point.t)}`,
          );
          break;
        }
      }
    }
  }
  return findings;
}

function sameLabels(
  bucket: Readonly<Record<string, string>>,
  count: Readonly<Record<string, string>>,
): boolean {
  const { le: _le, ...rest } = bucket;
  return (
    JSON.stringify(Object.entries(rest).sort()) === JSON.stringify(Object.entries(count).sort())
  );
}

/** The last scrape (taken after the load stopped) against the pool's stats() read right after it. */
function checkAgainstStats(store: ScrapeStore, stats: GrpcPoolStats): string[] {
  const t = store.times[store.times.length - 1];
  const total = (
    name: string,
    filter: (labels: Readonly<Record<string, string>>) => boolean = () => true,
  ): number =>
    store
      .named(name)
      .filter((series) => filter(series.labels))
      .reduce((sum, series) => sum + (store.instant(series, t) ?? 0), 0);
  const pool = (labels: Readonly<Record<string, string>>): boolean => labels.pool === stats.name;
  const findings: string[] = [];
  const compare = (what: string, metric: number, fromStats: number): void => {
    if (Math.abs(metric - fromStats) > 1e-9)
      findings.push(`${what}: metrics say ${metric}, stats() says ${fromStats}`);
  };
  compare('calls started', total('grpc_client_started_total'), stats.calls.started);
  compare(
    'calls finished',
    total('grpc_client_handled_total'),
    stats.calls.ok + stats.calls.failed,
  );
  compare(
    'calls OK',
    total('grpc_client_handled_total', (l) => l.grpc_code === 'OK'),
    stats.calls.ok,
  );
  compare('retries', total('grpc_pool_retries_total', pool), stats.retries);
  compare(
    'retries refused',
    total('grpc_pool_retries_refused_total', pool),
    stats.retriesRefusedByBudget,
  );
  compare('hit rate', total('grpc_pool_hit_rate', pool), stats.hitRate);
  compare('calls in flight', total('grpc_pool_calls_in_flight', pool), stats.inFlight);
  compare('calls queued', total('grpc_pool_calls_queued', pool), stats.queued);
  compare('open channels', total('grpc_pool_channels', pool), stats.channels.length);
  const handledCodes = new Set(
    store.named('grpc_client_handled_total').map((s) => s.labels.grpc_code),
  );
  const retryCodes = new Set(store.named('grpc_pool_retries_total').map((s) => s.labels.grpc_code));
  const differing = [...retryCodes].filter(
    (code) => !handledCodes.has(code) && handledCodes.size > 0,
  );
  if (differing.length > 0) {
    findings.push(
      `grpc_pool_retries_total grpc_code values ${[...retryCodes].join(', ')} are not spelled as grpc_client_handled_total's (${[...handledCodes].join(', ')})`,
    );
  }
  return findings;
}
