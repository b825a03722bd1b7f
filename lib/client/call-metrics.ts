import { status } from '@grpc/grpc-js';
import type { GrpcPoolStats } from '../interfaces/stats.interface.js';

/** Latencies kept for percentiles: enough for stable p99s, small enough to sort on demand. */
const LATENCY_WINDOW = 4096;

/**
 * Outcome counts and a window of recent latencies. Recording is a few array
 * writes, so it stays off the hot path's budget; percentiles are computed
 * only when `stats()` is read.
 */
export class CallMetrics {
  started = 0;
  retries = 0;
  retriesRefusedByBudget = 0;
  /** The last attempt that failed with UNAVAILABLE from grpc-js or the server (not the pool's own refusals). */
  lastUnavailable: { message: string; at: Date } | undefined;
  private readonly byCode = new Array<number>(17).fill(0);
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private recorded = 0;

  noteUnavailable(details: string): void {
    this.lastUnavailable = { message: `UNAVAILABLE: ${details}`, at: new Date() };
  }

  finish(code: status, startedAt: number): void {
    this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    this.latencies[this.recorded++ % LATENCY_WINDOW] = performance.now() - startedAt;
  }

  snapshot(): Pick<
    GrpcPoolStats,
    'calls' | 'latencyMs' | 'retries' | 'retriesRefusedByBudget' | 'deadlineExceeded'
  > {
    const byCode: Record<string, number> = {};
    let ok = 0;
    let failed = 0;
    this.byCode.forEach((count, code) => {
      if (count === 0) return;
      byCode[status[code] ?? String(code)] = count;
      if (code === status.OK) ok += count;
      else failed += count;
    });
    return {
      calls: { started: this.started, ok, failed, byCode },
      latencyMs: this.percentiles(),
      retries: this.retries,
      retriesRefusedByBudget: this.retriesRefusedByBudget,
      deadlineExceeded: this.byCode[status.DEADLINE_EXCEEDED],
    };
  }

  private percentiles(): GrpcPoolStats['latencyMs'] {
    const size = Math.min(this.recorded, LATENCY_WINDOW);
    if (size === 0) return { p50: null, p95: null, p99: null };
    const sorted = this.latencies.slice(0, size).sort();
    const at = (q: number): number => round(sorted[Math.min(size - 1, Math.ceil(q * size) - 1)]);
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
