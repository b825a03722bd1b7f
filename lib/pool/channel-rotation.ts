import { connectivityState } from '@grpc/grpc-js';
import type { PooledChannel } from './pooled-channel.js';

/** Failures in a row on a READY channel after which it is replaced: a connection that looks alive but fails. */
export const RECYCLE_AFTER_FAILURES = 5;
const FIRST_RECYCLE_DELAY_MS = 1000;
const LONGEST_RECYCLE_DELAY_MS = 30_000;

/**
 * When channels should be replaced, gracefully: at `maxConnectionAgeMs`
 * (minus up to 10% jitter, so channels opened together do not all rotate
 * together), or after failing calls in a row while READY. Recycling for
 * failures backs off per backend (1 s, doubling to 30 s) so a backend that
 * fails every call cannot make the pool reconnect in a tight loop.
 */
export class ChannelRotation {
  private readonly recycleGates = new Map<string, { notBefore: number; delayMs: number }>();

  constructor(private readonly maxConnectionAgeMs: number) {}

  /** Stamps a new channel with the time it is due for rotation. */
  stamp(channel: PooledChannel): void {
    if (this.maxConnectionAgeMs === 0) return;
    channel.retireAt = Date.now() + this.maxConnectionAgeMs * (1 - Math.random() * 0.1);
  }

  /** Due for rotation by age. */
  isDue(channel: PooledChannel, now: number): boolean {
    return channel.successor === undefined && !channel.retiring && now >= channel.retireAt;
  }

  /** Records an attempt's outcome on `channel`; true when it should be recycled now. */
  recordOutcome(channel: PooledChannel, unavailable: boolean): boolean {
    if (!unavailable) {
      if (channel.failuresInARow !== 0) {
        channel.failuresInARow = 0;
        this.recycleGates.delete(channel.target);
      }
      return false;
    }
    channel.failuresInARow++;
    if (
      channel.failuresInARow < RECYCLE_AFTER_FAILURES ||
      channel.successor !== undefined ||
      channel.retiring ||
      // Not READY: grpc-js is already reconnecting it, with its own backoff.
      channel.state() !== connectivityState.READY
    ) {
      return false;
    }
    const now = Date.now();
    const gate = this.recycleGates.get(channel.target) ?? {
      notBefore: 0,
      delayMs: FIRST_RECYCLE_DELAY_MS,
    };
    if (now < gate.notBefore) return false;
    this.recycleGates.set(channel.target, {
      notBefore: now + gate.delayMs,
      delayMs: Math.min(LONGEST_RECYCLE_DELAY_MS, gate.delayMs * 2),
    });
    return true;
  }
}
