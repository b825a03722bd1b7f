import type { ChannelPoolConfig } from './channel-pool-config.js';
import type { ChannelSet } from './channel-set.js';
import type { PooledChannel } from './pooled-channel.js';

// How the pool grows: to its floor when it opens, then by one channel at a
// time when calls find no room, up to maxChannels. Shrinking back is IdleSweep's.

export class PoolGrowth {
  constructor(
    private readonly channels: ChannelSet,
    private readonly config: Pick<ChannelPoolConfig, 'targets' | 'limits' | 'outliers'>,
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
    const channel = this.channels.newChannel(this.leastUsedTarget());
    this.channels.add(channel);
    this.onGrown();
    return channel;
  }

  /** Channels kept even when idle: `minChannels`, and one per backend where `maxChannels` allows. */
  floor(): number {
    const { minChannels, maxChannels } = this.config.limits;
    if (minChannels === 0) return 0;
    return Math.max(minChannels, Math.min(this.config.targets.length, maxChannels));
  }

  /** Spreads channels over the backends: the target with the fewest channels, first listed on a tie. */
  private leastUsedTarget(): string {
    const { targets, outliers } = this.config;
    const channels = this.channels.all;
    const counts = targets.map((target) =>
      outliers?.blocks(target) ? Infinity : channels.filter((c) => c.target === target).length,
    );
    return targets[counts.indexOf(Math.min(...counts))];
  }
}
