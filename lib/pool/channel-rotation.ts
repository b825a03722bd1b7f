import { connectivityState } from '@grpc/grpc-js';
import type { PooledChannel } from './pooled-channel.js';
import { RecycleBackoff, type RecycleStep } from './recycle-backoff.js';

/** Failures in a row on a READY channel after which it is replaced: a connection that looks alive but fails. */
export const RECYCLE_AFTER_FAILURES = 5;

/**
 * When channels should be replaced, gracefully: at `maxConnectionAgeMs`
 * (minus up to 10% jitter, so channels opened together do not all rotate
 * together), or after failing calls in a row while READY. Recycling for
 * failures backs off per backend (see `RecycleBackoff`) so a backend that
 * fails calls, every one or some, cannot make the pool reconnect in a tight loop.
 */
export class ChannelRotation {
  private readonly backoff = new RecycleBackoff();

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

  /**
   * Records an attempt's outcome on `channel`; the backoff step when it
   * should be recycled now. Any answer other than UNAVAILABLE ends the
   * channel's run of failures, but not its backend's backoff.
   */
  recordOutcome(channel: PooledChannel, unavailable: boolean): RecycleStep | undefined {
    if (!unavailable) {
      channel.failuresInARow = 0;
      return undefined;
    }
    const now = Date.now();
    this.backoff.failed(channel.target, now);
    channel.failuresInARow++;
    if (
      channel.failuresInARow < RECYCLE_AFTER_FAILURES ||
      channel.successor !== undefined ||
      channel.retiring ||
      // Not READY: grpc-js is already reconnecting it, with its own backoff.
      channel.state() !== connectivityState.READY
    ) {
      return undefined;
    }
    return this.backoff.take(channel.target, now);
  }
}
