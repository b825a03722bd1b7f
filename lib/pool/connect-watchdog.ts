import { connectivityState } from '@grpc/grpc-js';
import type { PooledChannel } from './pooled-channel.js';

/**
 * Times each channel's CONNECTING spell. grpc-js never times out a
 * connection that gets TCP but no HTTP/2 handshake (grpc-node#2785), so a
 * channel could stay CONNECTING forever; past `timeoutMs` the pool is told.
 */
export class ConnectWatchdog {
  private readonly timers = new Map<PooledChannel, NodeJS.Timeout>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onStuck: (channel: PooledChannel) => void,
  ) {}

  /** Called on every connectivity change of every channel. */
  observe(channel: PooledChannel, state: connectivityState): void {
    const timer = this.timers.get(channel);
    if (state !== connectivityState.CONNECTING) {
      if (timer === undefined) return;
      clearTimeout(timer);
      this.timers.delete(channel);
      return;
    }
    if (timer !== undefined || this.timeoutMs === 0) return;
    const stuck = setTimeout(() => {
      this.timers.delete(channel);
      if (channel.state() === connectivityState.CONNECTING) this.onStuck(channel);
    }, this.timeoutMs);
    // Upkeep: it must not keep the process alive.
    stuck.unref();
    this.timers.set(channel, stuck);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
