import type { GrpcLatencyPercentiles } from './latency-window.js';
import { LatencyWindow } from './latency-window.js';

/** Attempts kept per phase for percentiles. */
const PHASE_WINDOW = 4096;

/** Where a pool's attempts spend their time, phase by phase. @publicApi */
export interface GrpcCallPhases {
  /** Waiting for a slot (0 for attempts that found one at once). */
  slotWait: GrpcLatencyPercentiles;
  /** Waiting for the channel to become READY (0 for attempts placed on a READY channel). */
  connectWait: GrpcLatencyPercentiles;
  /** From the attempt's start on its channel until the response headers (attempts that got them). */
  headers: GrpcLatencyPercentiles;
  /** The whole call, across queueing, attempts and backoff (the same as `latencyMs`). */
  call: GrpcLatencyPercentiles;
}

/** The per-phase windows of one pool. Each record is one array write. */
export class CallPhases {
  readonly slotWait = new LatencyWindow(PHASE_WINDOW);
  readonly connectWait = new LatencyWindow(PHASE_WINDOW);
  readonly headers = new LatencyWindow(PHASE_WINDOW);

  snapshot(call: GrpcLatencyPercentiles): GrpcCallPhases {
    return {
      slotWait: this.slotWait.percentiles(),
      connectWait: this.connectWait.percentiles(),
      headers: this.headers.percentiles(),
      call,
    };
  }
}
