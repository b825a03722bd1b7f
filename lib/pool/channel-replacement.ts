import { connectivityState } from '@grpc/grpc-js';
import type { ChannelReplacedListener } from './channel-pool-config.js';
import { ChannelRank, rankOf } from './channel-rank.js';
import type { ChannelRotation } from './channel-rotation.js';
import type { ChannelSet } from './channel-set.js';
import { ConnectWatchdog } from './connect-watchdog.js';
import type { PooledChannel } from './pooled-channel.js';
import { LONGEST_RECYCLE_DELAY_MS, RecycleBackoff, type RecycleStep } from './recycle-backoff.js';

// Channels break in three ways, and each is replaced its own way: one stuck
// CONNECTING past connectTimeoutMs is closed and replaced at once; SHUTDOWN
// channels are dropped and the floor opened again; a READY channel that keeps
// failing calls is rotated gracefully, with a backoff per backend
// (RecycleBackoff) so a failing backend cannot make the pool reconnect in a tight loop.

/**
 * Failures in a row on a READY channel after which it is replaced: a connection that looks alive but fails.
 * @internal exported for the tests
 */
export const RECYCLE_AFTER_FAILURES = 5;

export interface ChannelReplacementDeps {
  connectTimeoutMs: number;
  isClosed(): boolean;
  /** Opens channels back up to the pool's floor. */
  refill(): void;
  onReplaced: ChannelReplacedListener;
}

export class ChannelReplacement {
  private readonly backoff = new RecycleBackoff();
  private readonly watchdog: ConnectWatchdog;

  constructor(
    private readonly channels: ChannelSet,
    private readonly rotation: ChannelRotation,
    private readonly deps: ChannelReplacementDeps,
  ) {
    this.watchdog = new ConnectWatchdog(deps.connectTimeoutMs, (channel) =>
      this.replaceStuck(channel),
    );
  }

  /** Called on every connectivity change of every channel, to time CONNECTING spells. */
  watch(channel: PooledChannel, state: connectivityState): void {
    if (!this.deps.isClosed()) this.watchdog.observe(channel, state);
  }

  /** An attempt on `channel` ended, `unavailable` or with another answer. */
  recordOutcome(channel: PooledChannel, unavailable: boolean): void {
    const recycle = this.recycleStep(channel, unavailable);
    if (recycle === undefined || this.deps.isClosed()) return;
    const wait =
      recycle.nextDelayMs >= LONGEST_RECYCLE_DELAY_MS
        ? `at most one replacement per ${LONGEST_RECYCLE_DELAY_MS / 1000} s to this backend while it keeps failing`
        : `the next replacement to this backend waits ${recycle.nextDelayMs / 1000} s`;
    // One warning per backoff step; repeats at the longest wait are routine.
    this.rotation.rotate(
      channel,
      `failed ${RECYCLE_AFTER_FAILURES} calls in a row while READY (${wait})`,
      recycle.grew,
      'failing',
    );
  }

  /** Drops the SHUTDOWN channels that have no calls left and opens the floor again. */
  replaceShutdown(): void {
    const channels = this.channels.all;
    for (let i = channels.length - 1; i >= 0; i--) {
      if (rankOf(channels[i].state()) === ChannelRank.Unusable && channels[i].inFlight === 0) {
        this.channels.removeAt(i);
      }
    }
    this.deps.refill();
  }

  /** `target` is gone (discovery no longer finds it): its backoff goes too. */
  forget(target: string): void {
    this.backoff.forget(target);
  }

  stop(): void {
    this.watchdog.stop();
  }

  /**
   * Closes a channel that never connected and opens another to the same
   * backend in its place; one already on its way out (retiring, or with a
   * successor: its address may be gone) is closed without a replacement.
   */
  private replaceStuck(channel: PooledChannel): void {
    const index = this.channels.indexOf(channel);
    if (this.deps.isClosed() || index === -1) return;
    if (channel.retiring || channel.successor !== undefined) {
      // Calls waiting inside it fail as never sent (UNAVAILABLE), so they may be retried elsewhere.
      this.channels.removeAt(index);
      // Its slot is free: the floor may want a channel where it was.
      this.deps.refill();
      return;
    }
    // In its place, so the count never grows. Calls waiting inside it fail as never sent
    // (UNAVAILABLE), so they may be retried elsewhere.
    const replacement = this.channels.replaceAt(index);
    replacement.connect();
    this.deps.onReplaced(
      channel,
      `was still CONNECTING after connectTimeoutMs ${this.deps.connectTimeoutMs}`,
      true,
      'connect_timeout',
    );
  }

  /**
   * Records an attempt's outcome on `channel`; the backoff step when it
   * should be recycled now. Any answer other than UNAVAILABLE ends the
   * channel's run of failures, but not its backend's backoff.
   */
  private recycleStep(channel: PooledChannel, unavailable: boolean): RecycleStep | undefined {
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
