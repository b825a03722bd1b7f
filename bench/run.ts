/**
 * `npm run bench`: side-by-side throughput and latency of Nest's
 * ClientGrpcProxy, hand-made grpc-js clients and this pool, against a backend
 * in a child process. Rounds are interleaved (A B C, A B C, ...) so machine
 * noise hits every contender alike; medians are reported. BENCH_ONLY=<id>
 * runs one scenario and leaves results.json and results.svg (a full run's) as they are.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { startBackend, type BackendProcess } from './backend-process.js';
import { renderChart } from './chart.js';
import {
  ALL_POLICIES,
  connectionPerCall,
  grpcPool,
  grpcPoolAsync,
  nestClientGrpcProxy,
  rawGrpcClients,
  rawGrpcObservable,
  type Contender,
} from './contenders.js';
import { runInterleaved } from './interleaved-load.js';
import { median, percentile, runLoad, type LoadResult } from './load.js';
import { nestChat, poolAsyncChat, poolChat, rawChat } from './stream-contenders.js';
import { contextContenders } from './context-contenders.js';
import { telemetryContenders } from './telemetry-contenders.js';

interface Scenario {
  id: string;
  title: string;
  concurrency: number;
  durationMs: number;
  /** The loopback address of each backend (one child process each). Default: one on 127.0.0.1. */
  hosts?: string[];
  /** The contenders, given each backend's `host:port`. */
  contenders: (urls: string[]) => Contender[];
  /**
   * Ratios to print: [numerator contender index, denominator index, target
   * (none: reported only), what is compared]. calls/s targets are minimums;
   * p99 targets are maximums (numerator's p99 over denominator's).
   */
  targets: [number, number, number?, ('calls/s' | 'p99')?][];
  /** Stop each run after this many calls (with `durationMs` as the bound). Default: time only. */
  calls?: number;
  /**
   * With `calls` and one caller: the clients take turns call by call
   * instead of round by round (bench/interleaved-load.ts), for tail latency.
   */
  interleaveCalls?: boolean;
  /** Stream messages one call carries: the table then also gives messages/s. */
  messagesPerCall?: number;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CHAT_MESSAGES = 500;
const ONE_CALLER_CALLS = 3000;

const scenarios: Scenario[] = [
  {
    id: 'stream-capped',
    title: '100 streams per connection, 100 ms handler, 400 callers',
    concurrency: 400,
    durationMs: SECONDS * 1000,
    contenders: ([url]) => [
      nestClientGrpcProxy(url, 'slow', 100),
      rawGrpcClients(url, 1, 'slow', 100),
      rawGrpcClients(url, 4, 'slow', 100),
      grpcPool(url, 4, 'slow', 100),
      grpcPoolAsync(url, 4, 'slow', 100),
    ],
    targets: [
      [3, 0, 3.5],
      [3, 2, 0.95],
      [4, 2, 0.95],
    ],
  },
  {
    id: 'empty-unary',
    title: 'empty unary call, CPU-bound, 64 callers',
    concurrency: 64,
    durationMs: SECONDS * 1000,
    contenders: ([url]) => [
      nestClientGrpcProxy(url, 'echo', 0),
      rawGrpcClients(url, 1, 'echo', 0),
      rawGrpcObservable(url, 'echo', 0),
      grpcPool(url, 1, 'echo', 0),
      grpcPool(url, 1, 'echo', 0, ALL_POLICIES),
      grpcPoolAsync(url, 1, 'echo', 0),
    ],
    targets: [
      // The call-policy layers in use cost at most 3%.
      [4, 3, 0.97],
      [3, 1, 0.95],
      [3, 2, 0.95],
      [3, 0, 1],
      // Without the Observable, the pool is as fast as the raw client it runs on.
      [5, 1, 1],
      [5, 3],
    ],
  },
  {
    id: 'connection-per-call',
    title: 'a new connection per call against the pool, empty unary call, 32 callers',
    // Fewer callers than scenario 2: each per-call connection leaves a socket in TIME_WAIT.
    concurrency: 32,
    durationMs: SECONDS * 1000,
    contenders: ([url]) => [
      connectionPerCall(url, 'echo', 0),
      nestClientGrpcProxy(url, 'echo', 0),
      grpcPool(url, 4, 'echo', 0),
      grpcPoolAsync(url, 4, 'echo', 0),
    ],
    targets: [
      [2, 0, 5],
      [3, 0, 5],
    ],
  },
  {
    id: 'three-backends',
    title: 'three backends (127.0.0.1, .2, .3) behind one client, 100 ms handler, 400 callers',
    concurrency: 400,
    durationMs: SECONDS * 1000,
    hosts: ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
    contenders: (urls) => [
      // grpc-js's default policy (pick_first) sends everything to the first address.
      nestClientGrpcProxy(`ipv4:${urls.join(',')}`, 'slow', 100),
      rawGrpcClients(urls, 3, 'slow', 100),
      grpcPool(urls, 3, 'slow', 100),
      grpcPoolAsync(urls, 3, 'slow', 100),
    ],
    targets: [
      [2, 0, 2.5],
      [2, 1, 0.95],
      [3, 1, 0.95],
    ],
  },
  {
    id: 'bidi-stream',
    title: `8 bidi streams echoing ${CHAT_MESSAGES} messages each, one channel`,
    concurrency: 8,
    durationMs: SECONDS * 1000,
    messagesPerCall: CHAT_MESSAGES,
    contenders: ([url]) => [
      nestChat(url, CHAT_MESSAGES),
      rawChat(url, CHAT_MESSAGES),
      poolChat(url, CHAT_MESSAGES),
      poolAsyncChat(url, CHAT_MESSAGES),
    ],
    targets: [
      [3, 1, 1],
      [2, 1],
      [3, 0],
    ],
  },
  {
    id: 'one-caller',
    title: `one caller, ${ONE_CALLER_CALLS} sequential empty unary calls per client and round, taking turns: latency over all rounds`,
    concurrency: 1,
    durationMs: 60_000,
    calls: ONE_CALLER_CALLS,
    interleaveCalls: true,
    contenders: ([url]) => [
      rawGrpcClients(url, 1, 'echo', 0),
      nestClientGrpcProxy(url, 'echo', 0),
      grpcPool(url, 1, 'echo', 0),
      grpcPoolAsync(url, 1, 'echo', 0),
    ],
    targets: [
      [2, 0, 1.1, 'p99'],
      [3, 0, 1.1, 'p99'],
      [1, 0, undefined, 'p99'],
    ],
  },
  {
    id: 'telemetry',
    title: 'telemetry cost: empty unary call on the pool, CPU-bound, 64 callers',
    concurrency: 64,
    durationMs: SECONDS * 1000,
    contenders: ([url]) => telemetryContenders(url),
    targets: [
      // Telemetry on with no SDK registered (the API's no-op globals) costs at most 1%.
      [1, 0, 0.99],
      [2, 1, 0.95],
      [5, 1, 0.95],
      // Reported: metrics without A66's size histograms, and metrics with tracing.
      [3, 1],
      [4, 1],
    ],
  },
  // Last: the async context it turns on stays on for the rest of the process.
  {
    id: 'request-context',
    title: 'carrying a request on: empty unary call on the pool, CPU-bound, 64 callers',
    concurrency: 64,
    durationMs: SECONDS * 1000,
    contenders: ([url]) => contextContenders(url),
    targets: [
      [1, 0],
      [2, 0],
      [3, 0],
    ],
  },
];

interface Row extends LoadResult {
  contender: string;
}

interface ScenarioResult {
  rows: Row[];
  ratios: string[];
  /** What each contender's exporters received (contenders that have exporters). */
  recorded: string[];
  messagesPerCall?: number;
}

/** One run of a contender, with whatever it makes global around its calls. */
async function measure(
  contender: Contender,
  concurrency: number,
  ms: number,
  calls?: number,
): Promise<LoadResult> {
  contender.beforeRun?.();
  try {
    return await runLoad(contender.call, concurrency, ms, calls);
  } finally {
    await contender.afterRun?.();
  }
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const backends: BackendProcess[] = [];
  for (const host of scenario.hosts ?? ['127.0.0.1']) backends.push(await startBackend(host));
  const contenders = scenario.contenders(backends.map((backend) => backend.address));
  const perContender: LoadResult[][] = contenders.map(() => []);
  const pooledLatencies: number[][] = contenders.map(() => []);
  const recorded: string[] = [];
  try {
    // Warm-up: connections open and code paths compile before anything counts.
    for (const contender of contenders) await measure(contender, scenario.concurrency, 500);
    for (let round = 1; round <= ROUNDS; round++) {
      if (scenario.interleaveCalls) {
        process.stdout.write(`  [${scenario.id}] round ${round}/${ROUNDS}: all, call by call ...`);
        const results = await runInterleaved(
          contenders.map((contender) => contender.call),
          scenario.calls ?? 1000,
        );
        results.forEach((result, i) => {
          perContender[i].push(result);
          pooledLatencies[i].push(...result.latencies);
        });
        process.stdout.write(` p99 ${results.map((r) => r.p99.toFixed(2)).join(' / ')} ms\n`);
        continue;
      }
      for (const [i, contender] of contenders.entries()) {
        process.stdout.write(`  [${scenario.id}] round ${round}/${ROUNDS}: ${contender.name} ...`);
        const result = await measure(
          contender,
          scenario.concurrency,
          scenario.durationMs,
          scenario.calls,
        );
        perContender[i].push(result);
        process.stdout.write(` ${result.callsPerSecond.toFixed(0)} calls/s\n`);
      }
    }
    for (const contender of contenders) {
      if (contender.recorded) recorded.push(`${contender.name}: ${await contender.recorded()}`);
    }
  } finally {
    await Promise.all(contenders.map((c) => c.close()));
    await Promise.all(backends.map((backend) => backend.stop()));
  }
  const rows = contenders.map((contender, i) => {
    const results = perContender[i];
    const pick = (key: keyof LoadResult): number => median(results.map((r) => r[key]));
    // Call by call, every round's calls make one sample: a p99 of all of them, not a median of p99s.
    const pooled = pooledLatencies[i].sort((a, b) => a - b);
    const tail = (q: number, key: 'p50' | 'p95' | 'p99'): number =>
      pooled.length > 0 ? percentile(pooled, q) : pick(key);
    return {
      contender: contender.name,
      callsPerSecond: pick('callsPerSecond'),
      p50: tail(0.5, 'p50'),
      p95: tail(0.95, 'p95'),
      p99: tail(0.99, 'p99'),
      cpuMicrosPerCall: pick('cpuMicrosPerCall'),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
    };
  });
  const ratios = scenario.targets.map(([a, b, target, metric = 'calls/s']) => {
    const p99 = metric === 'p99';
    const ratio = p99 ? rows[a].p99 / rows[b].p99 : rows[a].callsPerSecond / rows[b].callsPerSecond;
    const met = target !== undefined && (p99 ? ratio <= target : ratio >= target);
    const verdict =
      target === undefined
        ? 'no target'
        : `target ${p99 ? '<=' : '>='} ${target}x: ${met ? 'met' : 'NOT met'}`;
    const cpu = rows[a].cpuMicrosPerCall / rows[b].cpuMicrosPerCall;
    return (
      `${rows[a].contender} / ${rows[b].contender}: ${ratio.toFixed(2)}x ${metric} ` +
      `(${verdict}); client CPU per call ${cpu.toFixed(2)}x`
    );
  });
  return { rows, ratios, recorded, messagesPerCall: scenario.messagesPerCall };
}

function printTable(
  title: string,
  { rows, ratios, recorded, messagesPerCall }: ScenarioResult,
): void {
  console.log(`\n${title}`);
  const perMessage = messagesPerCall === undefined ? '' : ' messages/s |';
  console.log(
    `| client | calls/s |${perMessage} p50 ms | p95 ms | p99 ms | client CPU µs/call | errors |`,
  );
  console.log(`| --- | ---: |${perMessage ? ' ---: |' : ''} ---: | ---: | ---: | ---: | ---: |`);
  for (const r of rows) {
    // Below 10 ms, a tenth of a millisecond hides the differences the one-caller scenario is for.
    const ms = (v: number): string => v.toFixed(v < 10 ? 2 : 1);
    const messages =
      messagesPerCall === undefined ? '' : ` ${(r.callsPerSecond * messagesPerCall).toFixed(0)} |`;
    console.log(
      `| ${r.contender} | ${r.callsPerSecond.toFixed(0)} |${messages} ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.cpuMicrosPerCall.toFixed(1)} | ${r.errors} |`,
    );
  }
  for (const line of ratios) console.log(`- ${line}`);
  for (const line of recorded) console.log(`- recorded by ${line}`);
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  console.log(
    `nestjs-grpc-pool benchmark: ${ROUNDS} interleaved rounds of ${SECONDS} s per client, medians`,
  );
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    rounds: ROUNDS,
    seconds: SECONDS,
  };
  const summaries: [string, ScenarioResult][] = [];
  const only = process.env.BENCH_ONLY;
  for (const scenario of scenarios.filter((s) => only === undefined || s.id === only)) {
    console.log(`\n> ${scenario.title}`);
    const result = await runScenario(scenario);
    results[scenario.id] = { title: scenario.title, ...result };
    summaries.push([scenario.title, result]);
  }
  for (const [title, result] of summaries) printTable(title, result);
  if (only !== undefined) {
    console.log('\nBENCH_ONLY: results.json and results.svg keep the last full run');
    return;
  }
  const out = fileURLToPath(new URL('./results.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const chart = fileURLToPath(new URL('./results.svg', import.meta.url));
  writeFileSync(chart, renderChart(summaries.map(([title, { rows }]) => ({ title, rows }))));
  console.log(`\nwrote ${out} and ${chart}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
