import type { PooledChannel } from './pooled-channel.js';

/**
 * A call's slot on a channel. `release()` may be called from every path a
 * call can end by (status, error, cancel, a throw); only the first counts,
 * so the channel's count can neither drift nor go negative.
 */
export class Lease {
  private released = false;

  constructor(
    readonly channel: PooledChannel,
    /** Called once the slot is free again, so a waiting call can take it. */
    private readonly onRelease: () => void,
    /** The channel was READY when the slot was granted: the call will not wait for a connection. */
    readonly readyAtGrant: boolean,
  ) {
    channel.inFlight++;
    channel.calls++;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.channel.inFlight--;
    this.channel.lastUsedAt = Date.now();
    this.onRelease();
  }
}
