import type { ChannelPoolConfig } from './channel-pool-config.js';
import { ChannelRank, rankOf } from './channel-rank.js';
import type { ChannelSet } from './channel-set.js';
import type { PooledChannel } from './pooled-channel.js';

// Which channel a new call goes to. It only picks: growing the pool when the
// pick is poor is SlotLender's decision, replacing SHUTDOWN channels is
// ChannelReplacement's.

/** A pick: the channel (none when no channel has room) and its rank, without any retry penalty. */
export interface ChannelPick {
  channel: PooledChannel | undefined;
  rank: ChannelRank;
}

/**
 * Picks the least-loaded channel with room, best connectivity first, starting
 * from a cursor that moves on each pick so equally loaded channels take turns.
 */
export class ChannelSelector {
  private cursor = 0;

  constructor(
    private readonly channels: ChannelSet,
    private readonly config: Pick<ChannelPoolConfig, 'addresses' | 'limits' | 'outliers'>,
    /** A pick passed over SHUTDOWN channels. */
    private readonly onShutdownSeen: () => void,
  ) {}

  /** The best channel for a call; a retry names the channel it failed on as `avoid`. */
  pick(avoid?: PooledChannel): ChannelPick {
    const channels = this.channels.all;
    const count = channels.length;
    const cap = this.config.limits.maxConcurrentCallsPerChannel;
    let best: PooledChannel | undefined;
    // A retry's penalty may rank the failing channel it came from past Unusable: still a
    // candidate, the last one. Were it none, the pool would grow for the retry, and a
    // backend refusing every connection would get a new channel per attempt.
    let bestRank = Infinity;
    let bestTrueRank = ChannelRank.Unusable;
    let sawShutdown = false;
    this.cursor = this.cursor + 1 >= count ? 0 : this.cursor + 1;
    for (let i = 0; i < count; i++) {
      const channel = channels[(this.cursor + i) % count];
      if (
        channel.inFlight >= cap ||
        channel.retiring ||
        this.config.outliers?.blocks(channel.target)
      )
        continue;
      const trueRank = rankOf(channel.state());
      if (trueRank === ChannelRank.Unusable) {
        sawShutdown = true;
        continue;
      }
      const rank = avoid === undefined ? trueRank : trueRank + this.retryPenalty(channel, avoid);
      if (rank < bestRank || (rank === bestRank && channel.inFlight < best!.inFlight)) {
        best = channel;
        bestRank = rank;
        bestTrueRank = trueRank;
      }
    }
    if (sawShutdown) this.onShutdownSeen();
    return { channel: best, rank: bestTrueRank };
  }

  /**
   * A channel with room on a backend outlier detection has ejected, that is
   * connected or on its way (READY first, then the fewest calls): for a call
   * whose only other room is on a channel that cannot connect. Ejection keeps
   * calls away from a backend while others serve; when the backends left in
   * are all failing, the ejected one may be the only one that answers.
   */
  pickEjected(avoid?: PooledChannel): PooledChannel | undefined {
    const { outliers, limits } = this.config;
    if (outliers === undefined) return undefined;
    let best: PooledChannel | undefined;
    let bestRank = Infinity;
    for (const channel of this.channels.all) {
      if (
        channel === avoid ||
        channel.retiring ||
        channel.inFlight >= limits.maxConcurrentCallsPerChannel ||
        !outliers.blocks(channel.target)
      )
        continue;
      const rank = rankOf(channel.state());
      if (rank > ChannelRank.Starting) continue;
      if (rank < bestRank || (rank === bestRank && channel.inFlight < best!.inFlight)) {
        best = channel;
        bestRank = rank;
      }
    }
    return best;
  }

  /**
   * The channel with the fewest calls, full or not: for a call that cannot
   * wait. One still taking calls if there is one: a retiring channel may be
   * on an address discovery has dropped.
   */
  leastLoaded(): PooledChannel {
    const all = this.channels.all;
    const serving = all.filter((channel) => !channel.retiring);
    return (serving.length > 0 ? serving : all).reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
  }

  /**
   * How much worse a channel looks to a retry: the channel that just failed
   * ranks below a connecting one, and its backend's other channels below
   * other backends' channels.
   */
  private retryPenalty(channel: PooledChannel, avoid: PooledChannel): number {
    if (channel === avoid) return 1.5;
    return channel.target === avoid.target && this.config.addresses.all.length > 1 ? 0.75 : 0;
  }
}
