import type { ChannelSet } from './channel-set.js';

// The pool shrinks back after a burst: channels with no call for
// idleTimeoutMs close, newest first, down to the floor PoolGrowth keeps.

export class IdleSweep {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channels: ChannelSet,
    private readonly idleTimeoutMs: number,
    /** Channels kept even when idle. */
    private readonly floor: () => number,
  ) {}

  /** Starts sweeping, unless `idleTimeoutMs` is 0 or it has started before. */
  start(): void {
    const { idleTimeoutMs } = this;
    if (idleTimeoutMs === 0 || this.timer !== undefined) return;
    const every = Math.min(Math.max(Math.floor(idleTimeoutMs / 2), 10), 30_000);
    this.timer = setInterval(() => this.closeIdleChannels(), every);
    // An idle pool must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private closeIdleChannels(): void {
    const now = Date.now();
    const channels = this.channels.all;
    for (let i = channels.length - 1; i >= 0 && channels.length > this.floor(); i--) {
      const channel = channels[i];
      if (channel.inFlight === 0 && now - channel.lastUsedAt >= this.idleTimeoutMs)
        this.channels.removeAt(i);
    }
  }
}
