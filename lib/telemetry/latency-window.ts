import type { GrpcLatencyPercentiles } from '../interfaces/stats.interface.js';

/**
 * The most recent durations in a fixed ring, for percentiles. Recording is
 * one array write, with no allocation; sorting happens only when `stats()`
 * is read.
 */
export class LatencyWindow {
  private readonly values: Float64Array;
  private recorded = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  record(ms: number): void {
    this.values[this.recorded++ % this.values.length] = ms;
  }

  percentiles(): GrpcLatencyPercentiles {
    const size = Math.min(this.recorded, this.values.length);
    if (size === 0) return { p50: null, p95: null, p99: null };
    const sorted = this.values.slice(0, size).sort();
    const at = (q: number): number => round(sorted[Math.min(size - 1, Math.ceil(q * size) - 1)]);
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
