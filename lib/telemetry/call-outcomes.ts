import { status } from '@grpc/grpc-js';
import { LatencyWindow, type GrpcLatencyPercentiles } from './latency-window.js';

/** Calls by outcome, for the pool or one method. @publicApi */
export interface GrpcCallCounts {
  started: number;
  ok: number;
  failed: number;
  /** Finished calls by status name, e.g. `{ OK: 10, UNAVAILABLE: 1 }`. */
  byCode: Record<string, number>;
}

/** Calls started and finished (by status) and a window of their latencies. */
export class CallOutcomes {
  started = 0;
  private readonly byCode = new Array<number>(17).fill(0);
  private readonly latencies: LatencyWindow;

  constructor(windowSize: number) {
    this.latencies = new LatencyWindow(windowSize);
  }

  finish(code: status, ms: number): void {
    this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    this.latencies.record(ms);
  }

  /** Calls that ended with `code`. */
  count(code: status): number {
    return this.byCode[code] ?? 0;
  }

  counts(): GrpcCallCounts {
    const byCode: Record<string, number> = {};
    let ok = 0;
    let failed = 0;
    this.byCode.forEach((count, code) => {
      if (count === 0) return;
      byCode[status[code] ?? String(code)] = count;
      if (code === status.OK) ok += count;
      else failed += count;
    });
    return { started: this.started, ok, failed, byCode };
  }

  latencyMs(): GrpcLatencyPercentiles {
    return this.latencies.percentiles();
  }
}
