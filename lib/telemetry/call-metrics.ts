import { status } from '@grpc/grpc-js';
import type { GrpcPoolStats } from '../interfaces/stats.interface.js';
import { CallOutcomes } from './call-outcomes.js';
import { CallPhases } from './call-phases.js';

/** Latencies kept for percentiles: enough for stable p99s, small enough to sort on demand. */
const LATENCY_WINDOW = 4096;

/**
 * A pool's outcome counts, retries, and windows of recent latencies (the
 * whole call and each phase). Recording is a few array writes, so it stays
 * off the hot path's budget; percentiles are computed only when `stats()`
 * is read.
 */
export class CallMetrics {
  readonly outcomes = new CallOutcomes(LATENCY_WINDOW);
  readonly phases = new CallPhases();
  retries = 0;
  retriesRefusedByBudget = 0;
  /** The last attempt that failed with UNAVAILABLE from grpc-js or the server (not the pool's own refusals). */
  lastUnavailable: { message: string; at: Date } | undefined;

  noteUnavailable(details: string): void {
    this.lastUnavailable = { message: `UNAVAILABLE: ${details}`, at: new Date() };
  }

  snapshot(): Pick<
    GrpcPoolStats,
    'calls' | 'latencyMs' | 'phasesMs' | 'retries' | 'retriesRefusedByBudget' | 'deadlineExceeded'
  > {
    const latencyMs = this.outcomes.latencyMs();
    return {
      calls: this.outcomes.counts(),
      latencyMs,
      phasesMs: this.phases.snapshot(latencyMs),
      retries: this.retries,
      retriesRefusedByBudget: this.retriesRefusedByBudget,
      deadlineExceeded: this.outcomes.count(status.DEADLINE_EXCEEDED),
    };
  }
}
