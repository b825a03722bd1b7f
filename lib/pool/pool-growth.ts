import type { ChannelPoolConfig } from './channel-pool-config.js';
import type { ChannelSet } from './channel-set.js';
import type { PooledChannel } from './pooled-channel.js';

// How the pool grows: to its floor when it opens, then by one channel at a
// time when calls find no room, up to maxChannels. Shrinking back is IdleSweep's.

export class PoolGrowth {
  constructor(
    private readonly channels: ChannelSet,
    private readonly config: Pick<ChannelPoolConfig, 'addresses' | 'limits' | 'outliers'>,
    /** A channel was added. */
    private readonly onGrown: () => void,
  ) {}

  get canGrow(): boolean {
    return this.channels.size < this.config.limits.maxChannels;
  }

  /** Opens channels up to the floor (and at least `atLeast`, within `maxChannels`) and starts them connecting. */
  fill(atLeast: number): void {
    const wanted = Math.min(Math.max(this.floor(), atLeast), this.config.limits.maxChannels);
    while (this.channels.size < wanted) this.grow().connect();
  }

  /** Adds one channel, to the backend with the fewest; the caller places calls on it. */
  grow(): PooledChannel {
    const channel = this.channels.newChannel(this.leastUsedAddress());
    this.channels.add(channel);
    this.onGrown();
    return channel;
  }

  /** Channels kept even when idle: `minChannels`, and one per backend where `maxChannels` allows. */
  floor(): number {
    const { minChannels, maxChannels } = this.config.limits;
    if (minChannels === 0) return 0;
    return Math.max(minChannels, Math.min(this.config.addresses.wanted.length, maxChannels));
  }

  /**
   * Spreads channels over the backends: the address (of those the pool
   * wants now) with the fewest serving channels, first listed on a tie.
   */
  leastUsedAddress(): string {
    const { addresses, outliers } = this.config;
    const wanted = addresses.wanted;
    const counts = servingCounts(this.channels.all, wanted);
    let best = wanted[0];
    let bestCount = Infinity;
    for (const address of wanted) {
      const count = outliers?.blocks(address) ? Infinity : counts.get(address)!;
      if (count < bestCount) {
        best = address;
        bestCount = count;
      }
    }
    return best;
  }
}

/**
 * Channels that take calls and are not being replaced, per address of
 * `addresses` (a channel being replaced is counted as its successor).
 */
export function servingCounts(
  channels: readonly PooledChannel[],
  addresses: readonly string[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const address of addresses) counts.set(address, 0);
  for (const channel of channels) {
    if (!isServing(channel)) continue;
    const count = counts.get(channel.target);
    if (count !== undefined) counts.set(channel.target, count + 1);
  }
  return counts;
}

/** Takes calls and is not being replaced. */
export function isServing(channel: PooledChannel): boolean {
  return !channel.retiring && channel.successor === undefined;
}
