import { connectivityState } from '@grpc/grpc-js';
import type { ChannelPoolConfig } from './channel-pool-config.js';
import { ChannelRank } from './channel-rank.js';
import type { ChannelSelector } from './channel-selector.js';
import { Lease } from './lease.js';
import type { PoolGrowth } from './pool-growth.js';
import type { PooledChannel } from './pooled-channel.js';

// Where a call's slot comes from: a READY channel with room if there is one,
// else a new channel while the pool may grow, else a channel still starting.
// Every slot lent is counted here, and the hits among them (a READY channel
// at once), for the pool's hit rate.

export class SlotLender {
  private acquisitions = 0;
  private hits = 0;

  constructor(
    private readonly selector: ChannelSelector,
    private readonly growth: PoolGrowth,
    private readonly config: Pick<ChannelPoolConfig, 'outliers'>,
    /** A lease's slot is free again. */
    private readonly onRelease: () => void,
  ) {}

  /** A slot now, if there is one; `waited`: the caller comes from the queue, so it is no hit. */
  tryLease(avoid?: PooledChannel, waited = false): Lease | undefined {
    const { channel, rank } = this.selector.pick(avoid);
    if (channel !== undefined && rank === ChannelRank.Ready)
      return this.leaseOn(channel, true, !waited);
    // Grow when every channel is full, or when the only room is on a failing channel.
    if (this.growth.canGrow && (channel === undefined || rank === ChannelRank.Failing)) {
      return this.leaseOn(this.growth.grow(), false, false);
    }
    return channel === undefined ? undefined : this.leaseOn(channel, false, false);
  }

  /** A slot on the least-loaded channel, past the per-channel cap: for a call that cannot wait. */
  leaseAnyway(): Lease {
    const leastLoaded = this.selector.leastLoaded();
    return this.leaseOn(leastLoaded, leastLoaded.state() === connectivityState.READY, false);
  }

  /** Calls that found a free slot on a READY channel at once, over all calls (1 before any). */
  hitRate(): number {
    return this.acquisitions === 0 ? 1 : this.hits / this.acquisitions;
  }

  /** Slots lent so far, and those that were hits. */
  counts(): { total: number; hits: number } {
    return { total: this.acquisitions, hits: this.hits };
  }

  private leaseOn(channel: PooledChannel, ready: boolean, hit: boolean): Lease {
    this.config.outliers?.placed(channel.target);
    this.acquisitions++;
    if (hit) this.hits++;
    return new Lease(channel, this.onRelease, ready);
  }
}
