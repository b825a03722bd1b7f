import { connectivityState } from '@grpc/grpc-js';
import type { ChannelReplacementReason } from './channel-replacement-reason.js';
import type { ChannelReplacedListener } from './channel-pool-config.js';
import { ChannelRank, rankOf } from './channel-rank.js';
import type { ChannelSet } from './channel-set.js';
import type { PooledChannel } from './pooled-channel.js';

// Replacing a channel without failing its calls: the successor opens now, new
// calls move to it once it is READY, and the old channel closes when its last
// call has finished. A pool at maxChannels has no room for a successor: the
// old channel retires first (no new calls; it closes once drained) and its
// successor is owed the first slot that frees, so the pool never holds more
// than its cap. Retiring first must not leave the pool without a channel to
// take new calls: the last healthy one that can carry them rotates only once
// it is idle (it then closes at once and its successor opens in its place).
// Every channel is rotated at maxConnectionAgeMs (minus up to 10% jitter, so
// channels opened together do not rotate together), and ChannelReplacement
// rotates channels that keep failing the same way.

export class ChannelRotation {
  private ageSweep: NodeJS.Timeout | undefined;
  /** Targets of successors that found no room, oldest first: each takes the next free slot. */
  private readonly owed: string[] = [];

  constructor(
    private readonly channels: ChannelSet,
    private readonly maxConnectionAgeMs: number,
    private readonly onReplaced: ChannelReplacedListener,
    /** Retired channels closed: the pool may open channels in their place. */
    private readonly onSlotsFreed: () => void = () => undefined,
    /** Whether outlier detection keeps new calls away from a backend. */
    private readonly ejected: (target: string) => boolean = () => false,
  ) {}

  /** Stamps a new channel with the time it is due for rotation. */
  stamp(channel: PooledChannel): void {
    if (this.maxConnectionAgeMs === 0) return;
    channel.retireAt = Date.now() + this.maxConnectionAgeMs * (1 - Math.random() * 0.1);
  }

  /**
   * Opens `channel`'s successor (to `target`, by default the same), unless it
   * is already being replaced; at maxChannels, retires it first, and the
   * successor opens in the first slot that frees.
   */
  rotate(
    channel: PooledChannel,
    reason: string,
    trouble: boolean,
    kind: ChannelReplacementReason,
    target = channel.target,
  ): void {
    if (channel.successor !== undefined || channel.retiring) return;
    // At the cap, retiring the last channel taking new calls while its own calls run (a long
    // stream) would leave new calls nowhere to go until they end: a healthy one waits, and
    // the sweep (or the next move) asks again once it is idle or another channel serves. A
    // channel failing its calls retires at once: new calls are better off waiting for its successor.
    if (
      kind !== 'failing' &&
      !this.channels.hasRoom &&
      channel.inFlight > 0 &&
      this.takesNewCalls(channel) &&
      !this.channels.all.some((other) => other !== channel && this.takesNewCalls(other))
    )
      return;
    const successor = this.channels.open(target);
    this.onReplaced(channel, reason, trouble, kind);
    if (successor === undefined) {
      this.owed.push(target);
      this.channels.retire(channel);
      this.closeDrained();
      return;
    }
    channel.successor = successor;
    successor.connect();
    // Nothing to hand over from a channel that cannot carry calls: waiting for its successor
    // to be READY would keep it open as long as the successor's backend is down, and in a
    // subset that moves on, every move would leave one more such channel behind.
    if (cannotCarryCalls(channel)) this.giveUp(channel);
  }

  /** A channel being replaced can no longer connect: it takes no more calls and closes once drained. */
  giveUp(channel: PooledChannel): void {
    if (channel.successor === undefined || channel.retiring) return;
    this.channels.retire(channel);
    this.closeDrained();
  }

  /** `successor` is READY: the channel it replaces takes no more calls. */
  handOver(successor: PooledChannel): void {
    for (const channel of this.channels.all) {
      if (channel.successor !== successor || channel.retiring) continue;
      this.channels.retire(channel);
    }
    this.closeDrained();
  }

  /** Opens the successors owed, while the pool has room, to the targets `wanted` still holds. */
  openOwed(wanted: (target: string) => boolean): void {
    while (this.owed.length > 0 && this.channels.hasRoom) {
      const target = this.owed.shift()!;
      if (wanted(target)) this.channels.open(target)!.connect();
    }
  }

  /** Closes the retiring channels whose calls have all finished. */
  closeDrained(): void {
    if (this.channels.retiring === 0) return;
    const channels = this.channels.all;
    let closed = 0;
    for (let i = channels.length - 1; i >= 0; i--) {
      const channel = channels[i];
      if (channel.retiring && channel.inFlight === 0) {
        this.channels.removeAt(i);
        closed++;
      }
    }
    if (closed > 0) this.onSlotsFreed();
  }

  /** Starts checking channels' age, unless `maxConnectionAgeMs` is 0 or it has started before. */
  startAgeSweep(): void {
    const { maxConnectionAgeMs } = this;
    if (maxConnectionAgeMs === 0 || this.ageSweep !== undefined) return;
    const every = Math.min(Math.max(Math.floor(maxConnectionAgeMs / 4), 10), 1000);
    this.ageSweep = setInterval(() => {
      const now = Date.now();
      for (const channel of [...this.channels.all]) {
        if (this.isDue(channel, now)) {
          this.rotate(
            channel,
            `reached maxConnectionAgeMs ${maxConnectionAgeMs}`,
            false,
            'max_age',
          );
        }
      }
    }, every);
    // Rotation is upkeep: it must not keep the process alive.
    this.ageSweep.unref();
  }

  stop(): void {
    clearInterval(this.ageSweep);
    this.owed.length = 0;
  }

  /**
   * Whether new calls go to `channel`: it is connected or on its way, not retiring, and its
   * backend is not ejected (a channel there takes none, so keeping it would only stall them).
   */
  private takesNewCalls(channel: PooledChannel): boolean {
    return (
      !channel.retiring &&
      rankOf(channel.state()) <= ChannelRank.Starting &&
      !this.ejected(channel.target)
    );
  }

  private isDue(channel: PooledChannel, now: number): boolean {
    return channel.successor === undefined && !channel.retiring && now >= channel.retireAt;
  }
}

/** Not connected and not on its way: TRANSIENT_FAILURE (grpc-js backs off) or IDLE. */
function cannotCarryCalls(channel: PooledChannel): boolean {
  const state = channel.state();
  return state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.IDLE;
}
