import type { CallFn, LoadResult } from './load.js';
import { percentile } from './load.js';

/**
 * One caller making `calls` calls with each client, taking turns call by
 * call (A B C, B C A, ...), so a burst of machine noise lands on every
 * client alike: what a tail percentile of sequential calls needs, where
 * rounds of seconds each would hand one client a noisy second and not the
 * others. CPU is measured around each call and charged to its client.
 */
export interface InterleavedResult extends LoadResult {
  /** Every successful call's latency in ms, ascending: rounds pool them for steadier tails. */
  latencies: number[];
}

export async function runInterleaved(
  calls: CallFn[],
  perClient: number,
): Promise<InterleavedResult[]> {
  const latencies = calls.map((): number[] => []);
  const cpuMicros = calls.map(() => 0);
  const errors = calls.map(() => 0);
  const busyMs = calls.map(() => 0);
  for (let turn = 0; turn < perClient; turn++) {
    for (let k = 0; k < calls.length; k++) {
      const i = (turn + k) % calls.length;
      const cpuBefore = process.cpuUsage();
      const t0 = performance.now();
      try {
        await calls[i]();
        latencies[i].push(performance.now() - t0);
      } catch {
        errors[i]++;
      }
      busyMs[i] += performance.now() - t0;
      const cpu = process.cpuUsage(cpuBefore);
      cpuMicros[i] += cpu.user + cpu.system;
    }
  }
  return calls.map((_, i) => {
    const sorted = latencies[i].sort((a, b) => a - b);
    return {
      callsPerSecond: sorted.length / (busyMs[i] / 1000),
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      errors: errors[i],
      cpuMicrosPerCall: cpuMicros[i] / Math.max(1, sorted.length),
      latencies: sorted,
    };
  });
}
