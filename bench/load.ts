/** One call: resolves when it succeeds, rejects when it fails. */
export type CallFn = () => Promise<unknown>;

export interface LoadResult {
  callsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** Client-process CPU time per completed call, in microseconds: robust to a busy backend. */
  cpuMicrosPerCall: number;
}

/**
 * `concurrency` callers each make calls back to back for `durationMs`, or
 * until `maxCalls` calls have been made between them, whichever comes first.
 * Bounded in time and count: it stops by itself.
 */
export async function runLoad(
  call: CallFn,
  concurrency: number,
  durationMs: number,
  maxCalls = Infinity,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const stopAt = started + durationMs;
  let made = 0;
  const caller = async (): Promise<void> => {
    while (performance.now() < stopAt && made++ < maxCalls) {
      const t0 = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    callsPerSecond: latencies.length / elapsedS,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    errors,
    cpuMicrosPerCall: (cpu.user + cpu.system) / Math.max(1, latencies.length),
  };
}

/** The value at quantile `q` of ascending `sorted` values (NaN when there are none). */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
