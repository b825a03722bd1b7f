import { connectivityState, status } from '@grpc/grpc-js';
import { callFailures } from '../errors/call-failures.js';
import type { GrpcChannelStats } from '../interfaces/stats.interface.js';
import type { ChannelPoolConfig, ChannelReplacedListener } from './channel-pool-config.js';
import { ChannelReplacement } from './channel-replacement.js';
import { ChannelRotation } from './channel-rotation.js';
import { ChannelSelector } from './channel-selector.js';
import { ChannelSet } from './channel-set.js';
import { ChannelSpread } from './channel-spread.js';
import { IdleSweep } from './idle-sweep.js';
import type { AddressChange } from './backend-addresses.js';
import type { Lease } from './lease.js';
import { outlierOutcome } from './outlier-detector.js';
import { PoolGrowth } from './pool-growth.js';
import type { ChannelStateListener, PooledChannel } from './pooled-channel.js';
import { SlotGranter } from './slot-granting.js';
import { SlotLender } from './slot-lender.js';
import type { SlotRequester } from './slot-waiter.js';

export type { ChannelPoolConfig } from './channel-pool-config.js';

const noop = (): void => undefined;

/**
 * The channels of one client and the slots on them. Channels are shared, not
 * lent: a call takes a slot on the least-loaded usable channel; the pool
 * grows when every channel is full and queues (bounded in length and time)
 * once it is at `maxChannels`. This class only coordinates: `ChannelSelector`
 * picks, `SlotLender` lends, `PoolGrowth` and `IdleSweep` size the pool,
 * `SlotGranter` queues, `ChannelReplacement` and `ChannelRotation` replace
 * channels.
 */
export class ChannelPool {
  private readonly channels: ChannelSet;
  private readonly selector: ChannelSelector;
  private readonly growth: PoolGrowth;
  private readonly idleSweep: IdleSweep;
  private readonly granter: SlotGranter;
  private readonly rotation: ChannelRotation;
  private readonly replacement: ChannelReplacement;
  private readonly spread: ChannelSpread;
  private readonly lender: SlotLender;
  private closed = false;
  private readonly releaseSlot = (): void => {
    this.rotation.closeDrained();
    this.granter.grantWaiting();
  };
  private readonly channelStateChanged: ChannelStateListener = (channel, state) => {
    this.replacement.watch(channel, state);
    if (state === connectivityState.READY) this.rotation.handOver(channel);
    // A channel being replaced that loses its connection has nothing left to hand over.
    if (state === connectivityState.TRANSIENT_FAILURE) this.rotation.giveUp(channel);
    // Calls avoid a channel that cannot connect, so no call failure would ever eject its
    // backend; in a subset, that backend would hold its place until the subset moved on.
    const { addresses, outliers } = this.config;
    if (
      state === connectivityState.TRANSIENT_FAILURE &&
      addresses.subsetting &&
      !channel.retiring &&
      addresses.has(channel.target)
    )
      outliers?.unreachable(channel.target);
    this.config.onStateChange?.(channel, state);
  };

  constructor(private readonly config: ChannelPoolConfig) {
    const { limits } = config;
    const onReplaced: ChannelReplacedListener = (channel, reason, trouble, kind) =>
      this.config.onChannelReplaced?.(channel, reason, trouble, kind);
    this.channels = new ChannelSet(limits.maxChannels, (id, target) => {
      const channel = config.createChannel(id, target, this.channelStateChanged);
      this.rotation.stamp(channel);
      return channel;
    });
    this.rotation = new ChannelRotation(
      this.channels,
      limits.maxConnectionAgeMs,
      onReplaced,
      () => {
        this.refill();
        this.granter.grantWaiting();
      },
      (target) => config.outliers?.blocks(target) ?? false,
    );
    this.replacement = new ChannelReplacement(this.channels, this.rotation, {
      connectTimeoutMs: limits.connectTimeoutMs,
      isClosed: () => this.closed,
      refill: () => this.refill(),
      onReplaced,
    });
    this.growth = new PoolGrowth(this.channels, config, () => {
      this.idleSweep.start();
      if (this.closed) return;
      this.rotation.startAgeSweep();
      if (config.addresses.subsetting) this.spread.startSubsetRotation(config.subsetRotationMs);
    });
    this.spread = new ChannelSpread(
      this.channels,
      config.addresses,
      this.rotation,
      this.growth,
      () => this.refill(),
    );
    this.idleSweep = new IdleSweep(this.channels, limits.idleTimeoutMs, () => this.growth.floor());
    this.selector = new ChannelSelector(this.channels, config, () =>
      this.replacement.replaceShutdown(),
    );
    this.lender = new SlotLender(this.selector, this.growth, config, this.releaseSlot);
    this.granter = new SlotGranter(this.channels, config, () => this.tryLease(undefined, true));
  }

  /** Opens the channels kept even when idle (and at least `atLeast`) and starts them connecting. */
  open(atLeast = 0): void {
    if (this.closed) return;
    this.growth.fill(atLeast);
    this.idleSweep.start();
  }

  /**
   * Gets a slot for a call: at once when one is free, else after waiting in
   * the queue until `acquireTimeoutMs` or the call's deadline. A retry names
   * the channel it failed on as `avoid`: another channel (on another backend
   * where there are several) is preferred. Returns a function that
   * withdraws a waiting call.
   */
  acquire(
    deadline: number | undefined,
    requester: SlotRequester,
    avoid?: PooledChannel,
  ): () => void {
    const lease = this.tryLease(avoid);
    if (lease !== undefined) {
      requester.grant(lease);
      return noop;
    }
    if (this.closed) {
      requester.reject(callFailures.closed(this.config.label));
      return noop;
    }
    return this.granter.enqueue(deadline, requester);
  }

  /**
   * A slot now, for callers that cannot wait (callback-style clients must
   * return a call synchronously): past the per-channel cap if it must be.
   */
  acquireNow(): Lease {
    if (this.closed) throw callFailures.closed(this.config.label);
    return this.tryLease() ?? this.lender.leaseAnyway();
  }

  get inFlight(): number {
    return this.channels.inFlight;
  }

  get queued(): number {
    return this.granter.size;
  }

  /** Waiters the queue still holds, counted by walking it: equals `queued` (for tests). */
  queueRetained(): number {
    return this.granter.retained();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls that found a free slot on a READY channel at once, over all calls (1 before any). */
  hitRate(): number {
    return this.lender.hitRate();
  }

  /** Slots handed out so far, and those that were hits. */
  slotCounts(): { total: number; hits: number } {
    return this.lender.counts();
  }

  /** The open channels, for diagnostics; the pool alone adds and removes them. */
  get openChannels(): readonly PooledChannel[] {
    return this.channels.all;
  }

  channelStats(): GrpcChannelStats[] {
    const { outliers } = this.config;
    return this.channels.all.map((channel) => {
      const stats = channel.stats();
      if (outliers?.blocks(channel.target)) stats.ejected = true;
      if (channel.retiring) stats.retiring = true;
      return stats;
    });
  }

  /** An attempt on `channel` ended with `code`: feeds channel recycling and outlier detection. */
  report(channel: PooledChannel, code: status): void {
    this.replacement.recordOutcome(channel, code === status.UNAVAILABLE);
    // A call that ends on an address DNS has dropped says nothing about the backends in use:
    // a record for it would outlive the address, and an ejection would count against the cap forever.
    if (this.config.addresses.has(channel.target))
      this.config.outliers?.report(channel.target, outlierOutcome(code));
  }

  /**
   * The addresses changed (`addresses` already holds the new list): channels
   * move to the new ones gracefully, and what the pool kept per address that
   * is gone is dropped.
   */
  addressesChanged(change: AddressChange): void {
    if (this.closed) return;
    for (const address of change.removed) {
      this.config.outliers?.forget(address);
      this.replacement.forget(address);
    }
    if (this.config.addresses.subsetting)
      this.spread.startSubsetRotation(this.config.subsetRotationMs);
    this.spread.rebalance();
    this.granter.grantWaiting();
  }

  /** A backend was ejected or admitted: with a subset, an ejected one makes way for another. */
  outliersChanged(): void {
    if (!this.closed && this.config.addresses.refreshSubset()) this.spread.rebalance();
  }

  /** Closes every channel and fails every waiting call. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idleSweep.stop();
    this.rotation.stop();
    this.spread.stop();
    this.replacement.stop();
    this.granter.rejectAll();
    this.channels.closeAll();
  }

  /**
   * Slots were freed (or may be): the successors owed a slot open first, to
   * targets the pool still wants, then the floor.
   */
  private refill(): void {
    if (this.closed) return;
    const { addresses } = this.config;
    this.rotation.openOwed((target) => addresses.wanted.includes(target));
    this.open();
  }

  /** A slot now, if there is one; `waited`: the caller comes from the queue, so it is no hit. */
  private tryLease(avoid?: PooledChannel, waited = false): Lease | undefined {
    return this.closed ? undefined : this.lender.tryLease(avoid, waited);
  }
}
