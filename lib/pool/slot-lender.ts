import { connectivityState } from '@grpc/grpc-js';
import type { ChannelPoolConfig } from './channel-pool-config.js';
import { ChannelRank } from './channel-rank.js';
import type { ChannelSelector } from './channel-selector.js';
import { Lease } from './lease.js';
import type { PoolGrowth } from './pool-growth.js';
import type { PooledChannel } from './pooled-channel.js';

// Where a call's slot comes from: a READY channel with room if there is one,
// else a channel still starting, else a new channel while the pool may grow
// (to a backend that is not failing), else a channel of an ejected backend
// that can carry calls, else a failing channel.
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
    // Every channel that can carry the call is full (the only room, if any, is on a failing
    // channel): grow for the load, on a backend that is not failing. A failing backend gets no
    // second channel, and a call (or its retry) that can go nowhere else fails fast on its own.
    if (channel === undefined || rank === ChannelRank.Failing) {
      const grown = this.growth.growForLoad();
      if (grown !== undefined) return this.leaseOn(grown, false, false);
    }
    if (channel === undefined) return undefined;
    // The only room is on a failing channel, and the pool cannot grow: a backend outlier
    // detection ejected, whose channel can carry the call, serves it rather than a certain failure.
    const ejected = rank === ChannelRank.Failing ? this.selector.pickEjected(avoid) : undefined;
    if (ejected !== undefined)
      return this.leaseOn(ejected, ejected.state() === connectivityState.READY, false);
    return this.leaseOn(channel, false, false);
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
