import type { GrpcCallPhases, GrpcLatencyPercentiles } from '../interfaces/stats.interface.js';
import { LatencyWindow } from './latency-window.js';

/** Attempts kept per phase for percentiles. */
const PHASE_WINDOW = 4096;

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
