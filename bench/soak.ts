/**
 * `npm run soak`: does anything grow per call? SOAK_CALLS calls of each mode
 * (unary, server stream, failing, cancelled) by 32 callers, through the pool
 * and through raw grpc-js side by side, against a backend in a child
 * process. The default, 300,000 (what the trust issue asks for), takes about
 * 17 minutes for the eight runs on a 2-core machine where client and backend
 * share ~2,000 calls/s; SOAK_CALLS=50000 is a quick run (~4 minutes);
 * SOAK_ONLY=<mode> runs one mode. The heap is read after a full GC at intervals; the least-squares
 * slope over the readings after a warm-up is printed in bytes per 1,000
 * calls. At the end of each pool run, `stats()` must add up:
 * `calls.started === ok + failed`, nothing in flight or queued. Exits
 * non-zero when a count does not add up or a call ends other than its mode
 * expects.
 */
import { Logger } from '@nestjs/common';
import { startBackend } from './backend-process.js';
import { heapSlope, sampleHeap, type HeapSample } from './heap-slope.js';
import {
  EXPECTED,
  poolClient,
  rawClient,
  SOAK_MODES,
  type SoakCall,
  type SoakClient,
  type SoakMode,
} from './soak-clients.js';

const CALLS = Number(process.env.SOAK_CALLS ?? 300_000);
/** One mode only, e.g. `SOAK_ONLY=cancelled`. */
const ONLY = process.env.SOAK_ONLY;
const CONCURRENCY = 32;
/** Heap readings per run; the first quarter of the calls is warm-up and left out of the fit. */
const SAMPLES = 40;
const WARM_UP = 0.25;

interface RunResult {
  mode: SoakMode;
  client: string;
  callsPerSecond: number;
  endings: Map<string, number>;
  unexpected: number;
  slope: { perThousand: number; stdError: number };
  heapMb: [number, number];
  invariant?: string;
  broken?: boolean;
}

/**
 * `CONCURRENCY` callers make `CALLS` calls back to back. Every CALLS / SAMPLES
 * calls they pause until none is in flight, and the heap is read then: a
 * reading never holds a varying number of live calls, so the readings are
 * steady enough to fit a slope of a few bytes per call.
 */
async function soak(
  call: SoakCall,
): Promise<{ ms: number; endings: Map<string, number>; samples: HeapSample[] }> {
  const every = Math.max(1, Math.floor(CALLS / SAMPLES));
  const samples: HeapSample[] = [];
  const endings = new Map<string, number>();
  let started = 0;
  let finished = 0;
  let nextSample = every;
  let resume = (): void => undefined;
  let paused = new Promise<void>((resolve) => (resume = resolve));
  const t0 = performance.now();
  const caller = async (): Promise<void> => {
    while (started < CALLS) {
      if (started >= nextSample) {
        await paused;
        continue;
      }
      started++;
      const ending = await call();
      endings.set(ending, (endings.get(ending) ?? 0) + 1);
      if (++finished === nextSample) {
        // The last call in flight just ended: let grpc-js finish its bookkeeping, then read.
        await new Promise((resolve) => setImmediate(resolve));
        samples.push(sampleHeap(finished));
        nextSample += every;
        const release = resume;
        paused = new Promise<void>((resolve) => (resume = resolve));
        release();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  return { ms: performance.now() - t0, endings, samples };
}

/** Waits (bounded) for the pool to settle, then checks that its counts add up. */
async function checkInvariant(client: SoakClient): Promise<{ text: string; broken: boolean }> {
  const giveUpAt = Date.now() + 5000;
  let stats = client.stats!();
  while ((stats.inFlight > 0 || stats.queued > 0) && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stats = client.stats!();
  }
  const { started, ok, failed, byCode } = stats.calls;
  const broken =
    started !== ok + failed || stats.inFlight !== 0 || stats.queued !== 0 || started !== CALLS;
  const codes = Object.entries(byCode)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  const text =
    `started ${started} ${started === ok + failed ? '===' : '!=='} ok ${ok} + failed ${failed} ` +
    `(${codes}); in flight ${stats.inFlight}, queued ${stats.queued}: ${broken ? 'BROKEN' : 'holds'}`;
  return { text, broken };
}

async function run(mode: SoakMode, make: () => SoakClient): Promise<RunResult> {
  const client = make();
  process.stdout.write(`  ${mode}, ${client.name}: ${CALLS} calls ...`);
  const { ms, endings, samples } = await soak(client.call(mode));
  const unexpected = [...endings]
    .filter(([ending]) => !EXPECTED[mode].includes(ending))
    .reduce((sum, [, count]) => sum + count, 0);
  const fitted = samples.filter((s) => s.calls >= CALLS * WARM_UP);
  const result: RunResult = {
    mode,
    client: client.name,
    callsPerSecond: (CALLS / ms) * 1000,
    endings,
    unexpected,
    slope: heapSlope(fitted),
    heapMb: [fitted[0]?.heapUsed ?? NaN, fitted.at(-1)?.heapUsed ?? NaN].map(
      (bytes) => bytes / 2 ** 20,
    ) as [number, number],
  };
  if (client.stats) {
    const { text, broken } = await checkInvariant(client);
    result.invariant = text;
    result.broken = broken;
  }
  await client.close();
  process.stdout.write(` ${(ms / 1000).toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const began = Date.now();
  console.log(
    `soak: ${CALLS} calls per mode and client, ${CONCURRENCY} callers, heap after GC ${SAMPLES} times per run, fit after the first ${WARM_UP * 100}%`,
  );
  const backend = await startBackend();
  const results: RunResult[] = [];
  try {
    for (const mode of SOAK_MODES.filter((m) => ONLY === undefined || m === ONLY)) {
      results.push(await run(mode, () => poolClient(backend.address)));
      results.push(await run(mode, () => rawClient(backend.address)));
    }
  } finally {
    await backend.stop();
  }
  console.log(
    '\n| mode | client | calls/s | endings | unexpected | heap slope, bytes per 1,000 calls (± std error) | heap MB, first → last fitted reading |',
  );
  console.log('| --- | --- | ---: | --- | ---: | ---: | ---: |');
  for (const r of results) {
    const endings = [...r.endings].map(([ending, count]) => `${ending} ${count}`).join(', ');
    console.log(
      `| ${r.mode} | ${r.client} | ${r.callsPerSecond.toFixed(0)} | ${endings} | ${r.unexpected} | ` +
        `${r.slope.perThousand.toFixed(1)} (± ${r.slope.stdError.toFixed(1)}) | ` +
        `${r.heapMb[0].toFixed(2)} → ${r.heapMb[1].toFixed(2)} |`,
    );
  }
  console.log('\nstats() invariant at the end of each pool run:');
  for (const r of results.filter((r) => r.invariant !== undefined)) {
    console.log(`- ${r.mode}: ${r.invariant}`);
  }
  console.log(`\ntotal ${((Date.now() - began) / 1000).toFixed(0)} s`);
  if (results.some((r) => r.broken || r.unexpected > 0)) {
    console.log(
      'FAILED: a stats() count does not add up, or a call ended other than its mode expects',
    );
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
