import type { GrpcChannelState } from '../interfaces/stats.interface.js';

/** What exporters read from a pool when they collect: nothing here is recorded per call. */
export interface PoolGaugeSource {
  /** The pool's name as a metric label. */
  readonly poolName: string;
  /** Open channels by connectivity state. */
  channelsByState(): Record<GrpcChannelState, number>;
  inFlight(): number;
  queued(): number;
  /** Slot requests so far, and those that found a free slot on a READY channel at once. */
  acquisitions(): { total: number; hits: number };
}

/** Every state, so a gauge reports 0 for states no channel is in (a series that vanishes reads as "no data"). */
export const CHANNEL_STATES: readonly GrpcChannelState[] = [
  'IDLE',
  'CONNECTING',
  'READY',
  'TRANSIENT_FAILURE',
  'SHUTDOWN',
];

/** A count of 0 for every state, to add channels to. */
export function noChannels(): Record<GrpcChannelState, number> {
  return { IDLE: 0, CONNECTING: 0, READY: 0, TRANSIENT_FAILURE: 0, SHUTDOWN: 0 };
}
