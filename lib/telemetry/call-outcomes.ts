import { status } from '@grpc/grpc-js';
import { codeSlot, GRPC_CODE_COUNT } from './grpc-code-names.js';
import type { GrpcCallCounts, GrpcLatencyPercentiles } from '../interfaces/stats.interface.js';
import { LatencyWindow } from './latency-window.js';

/** Calls started and finished (by status) and a window of their latencies. */
export class CallOutcomes {
  started = 0;
  /** One slot per gRPC code, whatever code is reported. */
  private readonly byCode = new Array<number>(GRPC_CODE_COUNT).fill(0);
  private readonly latencies: LatencyWindow;

  constructor(windowSize: number) {
    this.latencies = new LatencyWindow(windowSize);
  }

  finish(code: status, ms: number): void {
    this.byCode[codeSlot(code)]++;
    this.latencies.record(ms);
  }

  /** Calls that ended with `code`. */
  count(code: status): number {
    return this.byCode[codeSlot(code)];
  }

  counts(): GrpcCallCounts {
    const byCode: Record<string, number> = {};
    let ok = 0;
    let failed = 0;
    this.byCode.forEach((count, code) => {
      if (count === 0) return;
      byCode[status[code]] = count;
      if (code === status.OK) ok += count;
      else failed += count;
    });
    return { started: this.started, ok, failed, byCode };
  }

  latencyMs(): GrpcLatencyPercentiles {
    return this.latencies.percentiles();
  }
}
