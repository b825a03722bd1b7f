import type { GrpcPoolStats } from 'nestjs-grpc-pool';
import type { Dashboard } from './dashboard-model.js';
import type { PrometheusClient } from './prometheus-client.js';
import type { Run } from './run-sample.js';

const describe = (metric: Record<string, string>): string => {
  const { __name__: name = '', ...labels } = metric;
  return `${name}{${Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',')}}`;
};

const clock = (unixS: number): string => new Date(unixS * 1000).toISOString().slice(11, 19);

/**
 * What Prometheus holds after the run that a dashboard would show wrong or
 * not at all, each asked as PromQL: metrics a panel queries that were never
 * scraped, counters that went backwards, gauges that never moved, histograms
 * whose +Inf bucket is not their count, more calls handled than started,
 * and final figures that disagree with the pool's own `stats()`.
 */
export async function checkMetrics(
  prometheus: PrometheusClient,
  dashboard: Dashboard,
  run: Run,
): Promise<string[]> {
  const end = run.endMs / 1000;
  const range = `${Math.ceil((run.endMs - run.startMs) / 1000) + 1}s`;
  const at = (expr: string) => prometheus.query(expr, end);
  const findings: string[] = [];

  const scraped = new Set(await prometheus.metricNames(run.startMs / 1000, end));
  const queried = dashboard.panels.flatMap((panel) =>
    // A metric name is the word before a selector's `{` or a range's `[`.
    panel.targets.flatMap(({ expr }) => expr.match(/[a-zA-Z_:][\w:]*(?=\s*[{[])/g) ?? []),
  );
  for (const name of new Set(queried)) {
    if (!scraped.has(name)) findings.push(`a panel queries ${name}, which was never scraped`);
  }
  // Range functions drop the metric name, so each metric is asked on its own.
  for (const name of [...scraped].filter((one) => /^grpc_.+_(total|count|sum|bucket)$/.test(one))) {
    for (const { metric, value } of await at(`resets(${name}[${range}]) > 0`)) {
      findings.push(
        `counter went backwards ${value[1]} time(s): ${describe({ ...metric, __name__: name })}`,
      );
    }
  }
  for (const name of [
    'grpc_pool_calls_in_flight',
    'grpc_pool_calls_queued',
    'grpc_pool_hit_rate',
  ]) {
    for (const { metric } of await at(`changes(${name}[${range}]) == 0`)) {
      findings.push(`gauge never moved: ${describe({ ...metric, __name__: name })}`);
    }
  }
  const histograms = [...scraped]
    .filter((name) => name.endsWith('_count'))
    .map((name) => name.slice(0, -6));
  for (const base of histograms) {
    const expr = `${base}_count != ignoring(le) ${base}_bucket{le="+Inf"}`;
    for (const { metric, values } of await prometheus.queryRange(
      expr,
      run.startMs / 1000,
      end,
      1,
    )) {
      findings.push(`${describe(metric)} differs from its +Inf bucket from ${clock(values[0][0])}`);
    }
  }
  const handledOverStarted =
    'sum by (grpc_method) (grpc_client_handled_total) > sum by (grpc_method) (grpc_client_started_total)';
  for (const { metric, values } of await prometheus.queryRange(
    handledOverStarted,
    run.startMs / 1000,
    end,
    1,
  )) {
    findings.push(
      `${metric.grpc_method}: more calls handled than started at ${clock(values[0][0])}`,
    );
  }
  // go-grpc-prometheus counts one request message per unary call.
  for (const { metric, value } of await at(
    'sum by (grpc_method) (grpc_client_msg_sent_total{grpc_type="unary"}) != sum by (grpc_method) (grpc_client_started_total{grpc_type="unary"})',
  )) {
    findings.push(
      `${metric.grpc_method} (unary): grpc_client_msg_sent_total is ${value[1]}, not one per call started`,
    );
  }
  for (const { metric } of await at(
    `count by (grpc_code) (last_over_time(grpc_pool_retries_total[${range}])) unless on (grpc_code) count by (grpc_code) (last_over_time(grpc_client_handled_total[${range}]))`,
  )) {
    findings.push(
      `grpc_pool_retries_total spells grpc_code "${metric.grpc_code}", which grpc_client_handled_total never has`,
    );
  }
  findings.push(...(await checkAgainstStats(at, run.stats)));
  return findings;
}

/** The last scrape (after the load stopped) against the pool's stats() read just before it. */
async function checkAgainstStats(
  at: (expr: string) => Promise<{ value: [number, string] }[]>,
  stats: GrpcPoolStats,
): Promise<string[]> {
  const pool = `pool="${stats.name}"`;
  const expected: [string, string, number][] = [
    ['calls started', 'sum(grpc_client_started_total)', stats.calls.started],
    ['calls finished', 'sum(grpc_client_handled_total)', stats.calls.ok + stats.calls.failed],
    ['calls OK', 'sum(grpc_client_handled_total{grpc_code="OK"})', stats.calls.ok],
    ['retries', `sum(grpc_pool_retries_total{${pool}})`, stats.retries],
    [
      'retries refused',
      `sum(grpc_pool_retries_refused_total{${pool}})`,
      stats.retriesRefusedByBudget,
    ],
    ['hit rate', `sum(grpc_pool_hit_rate{${pool}})`, stats.hitRate],
    ['calls in flight', `sum(grpc_pool_calls_in_flight{${pool}})`, stats.inFlight],
    ['calls queued', `sum(grpc_pool_calls_queued{${pool}})`, stats.queued],
    ['open channels', `sum(grpc_pool_channels{${pool}})`, stats.channels.length],
  ];
  const findings: string[] = [];
  for (const [what, expr, fromStats] of expected) {
    const [answer] = await at(expr);
    const metric = answer === undefined ? 0 : Number(answer.value[1]);
    if (Math.abs(metric - fromStats) > 1e-9) {
      findings.push(`${what}: metrics say ${metric}, stats() says ${fromStats}`);
    }
  }
  return findings;
}
