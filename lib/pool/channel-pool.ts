import type { GrpcPoolChannelOptions } from '../interfaces/pool-options.interface.js';
import type { GrpcChannelStats } from '../interfaces/stats.interface.js';
import type { ChannelReplacementReason } from '../telemetry/metric-sink.interface.js';
import { callFailures } from '../errors/call-failures.js';
import { ChannelRank, rankOf } from './channel-rank.js';
import { ChannelRotation, RECYCLE_AFTER_FAILURES } from './channel-rotation.js';
import { LONGEST_RECYCLE_DELAY_MS } from './recycle-backoff.js';
import { ConnectWatchdog } from './connect-watchdog.js';
import { Lease } from './lease.js';
import { connectivityState, status } from '@grpc/grpc-js';
import type { ChannelStateListener, PooledChannel } from './pooled-channel.js';
import type { OutlierDetector } from './outlier-detector.js';
import { SlotQueue } from './slot-queue.js';
import type { SlotRequester, SlotWaiter } from './slot-waiter.js';

export interface ChannelPoolConfig {
  /** The pool's name as messages print it. */
  label: string;
  targets: readonly string[];
  limits: Readonly<Required<GrpcPoolChannelOptions>>;
  /** A new channel, whose connectivity changes go to `onState`. */
  createChannel(id: number, target: string, onState: ChannelStateListener): PooledChannel;
  /** Some channel's connectivity changed. */
  onStateChange?(): void;
  /**
   * The pool replaces `channel`, for the reason given (`kind` names it for
   * metrics); `trouble` when the reason is a fault.
   */
  onChannelReplaced?(
    channel: PooledChannel,
    reason: string,
    trouble: boolean,
    kind: ChannelReplacementReason,
  ): void;
  /** Backends to keep calls away from; none when absent. */
  outliers?: OutlierDetector;
}

const noop = (): void => undefined;

/**
 * The channels of one client and the slots on them. Channels are shared, not
 * lent: a call takes a slot on the least-loaded usable channel; the pool
 * grows when every channel is full and queues (bounded in length and time)
 * once it is at `maxChannels`.
 */
export class ChannelPool {
  private readonly channels: PooledChannel[] = [];
  private readonly queue = new SlotQueue();
  private readonly releaseSlot = (): void => {
    if (this.retiringCount > 0) this.closeDrainedRetirees();
    this.grantWaiting();
  };
  private nextChannelId = 1;
  /** Where the next pick starts, so equally loaded channels take turns. */
  private cursor = 0;
  private pickedRank = ChannelRank.Unusable;
  private granting = false;
  private closed = false;
  private idleSweep: NodeJS.Timeout | undefined;
  private acquisitions = 0;
  private hits = 0;
  private readonly watchdog: ConnectWatchdog;
  private readonly channelStateChanged: ChannelStateListener = (channel, state) => {
    if (!this.closed) this.watchdog.observe(channel, state);
    if (state === connectivityState.READY) this.handOver(channel);
    this.config.onStateChange?.();
  };
  private readonly rotation: ChannelRotation;
  /** Channels that take no new calls and close once their calls finish. */
  private retiringCount = 0;
  private ageSweep: NodeJS.Timeout | undefined;

  constructor(private readonly config: ChannelPoolConfig) {
    this.rotation = new ChannelRotation(config.limits.maxConnectionAgeMs);
    this.watchdog = new ConnectWatchdog(config.limits.connectTimeoutMs, (channel) =>
      this.replaceStuck(channel),
    );
  }

  /** Opens the channels kept even when idle (and at least `atLeast`) and starts them connecting. */
  open(atLeast = 0): void {
    if (this.closed) return;
    const wanted = Math.min(Math.max(this.floor(), atLeast), this.config.limits.maxChannels);
    while (this.channels.length < wanted) this.addChannel().connect();
    this.startIdleSweep();
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
    return this.enqueue(deadline, requester);
  }

  /**
   * A slot now, for callers that cannot wait (callback-style clients must
   * return a call synchronously): past the per-channel cap if it must be.
   */
  acquireNow(): Lease {
    if (this.closed) throw callFailures.closed(this.config.label);
    const lease = this.tryLease();
    if (lease !== undefined) return lease;
    const leastLoaded = this.channels.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    return this.leaseOn(leastLoaded, leastLoaded.state() === connectivityState.READY, false);
  }

  get inFlight(): number {
    return this.channels.reduce((sum, channel) => sum + channel.inFlight, 0);
  }

  get queued(): number {
    return this.queue.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls that found a free slot on a READY channel at once, over all calls (1 before any). */
  hitRate(): number {
    return this.acquisitions === 0 ? 1 : this.hits / this.acquisitions;
  }

  /** Slots handed out so far, and those that were hits. */
  slotCounts(): { total: number; hits: number } {
    return { total: this.acquisitions, hits: this.hits };
  }

  /** The open channels, for diagnostics; the pool alone adds and removes them. */
  get openChannels(): readonly PooledChannel[] {
    return this.channels;
  }

  channelStats(): GrpcChannelStats[] {
    const { outliers } = this.config;
    return this.channels.map((channel) => {
      const stats = channel.stats();
      if (outliers?.blocks(channel.target)) stats.ejected = true;
      return stats;
    });
  }

  /** An attempt on `channel` ended with `code`: feeds outlier detection and channel recycling. */
  report(channel: PooledChannel, code: status): void {
    const recycle = this.rotation.recordOutcome(channel, code === status.UNAVAILABLE);
    if (recycle !== undefined && !this.closed) {
      const wait =
        recycle.nextDelayMs >= LONGEST_RECYCLE_DELAY_MS
          ? `at most one replacement per ${LONGEST_RECYCLE_DELAY_MS / 1000} s to this backend while it keeps failing`
          : `the next replacement to this backend waits ${recycle.nextDelayMs / 1000} s`;
      // One warning per backoff step; repeats at the longest wait are routine.
      this.rotate(
        channel,
        `failed ${RECYCLE_AFTER_FAILURES} calls in a row while READY (${wait})`,
        recycle.grew,
        'failing',
      );
    }
    const { outliers } = this.config;
    if (outliers === undefined) return;
    outliers.report(
      channel.target,
      code === status.UNAVAILABLE
        ? 'failed'
        : code === status.CANCELLED || code === status.DEADLINE_EXCEEDED
          ? 'inconclusive'
          : 'ok',
    );
  }

  /** Closes every channel and fails every waiting call. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleSweep);
    clearInterval(this.ageSweep);
    this.watchdog.stop();
    this.queue.drain((waiter) => {
      clearTimeout(waiter.timer);
      waiter.requester.reject(callFailures.closed(this.config.label));
    });
    for (const channel of this.channels.splice(0)) channel.close();
  }

  /** A slot now, if there is one; `waited`: the caller comes from the queue, so it is no hit. */
  private tryLease(avoid?: PooledChannel, waited = false): Lease | undefined {
    if (this.closed) return undefined;
    const channel = this.pickChannel(avoid);
    if (channel !== undefined && this.pickedRank === ChannelRank.Ready)
      return this.leaseOn(channel, true, !waited);
    // Grow when every channel is full, or when the only room is on a failing channel.
    const canGrow = this.channels.length < this.config.limits.maxChannels;
    if (canGrow && (channel === undefined || this.pickedRank === ChannelRank.Failing)) {
      return this.leaseOn(this.addChannel(), false, false);
    }
    return channel === undefined ? undefined : this.leaseOn(channel, false, false);
  }

  private leaseOn(channel: PooledChannel, ready: boolean, hit: boolean): Lease {
    this.config.outliers?.placed(channel.target);
    this.acquisitions++;
    if (hit) this.hits++;
    return new Lease(channel, this.releaseSlot, ready);
  }

  /** The least-loaded channel with room, best connectivity first; sets `pickedRank`. */
  private pickChannel(avoid?: PooledChannel): PooledChannel | undefined {
    const count = this.channels.length;
    const cap = this.config.limits.maxConcurrentCallsPerChannel;
    let best: PooledChannel | undefined;
    let bestRank: number = ChannelRank.Unusable;
    let bestTrueRank = ChannelRank.Unusable;
    let sawShutdown = false;
    this.cursor = this.cursor + 1 >= count ? 0 : this.cursor + 1;
    for (let i = 0; i < count; i++) {
      const channel = this.channels[(this.cursor + i) % count];
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
    if (sawShutdown) this.replaceShutdownChannels();
    this.pickedRank = bestTrueRank;
    return best;
  }

  /**
   * How much worse a channel looks to a retry: the channel that just failed
   * ranks below a connecting one, and its backend's other channels below
   * other backends' channels.
   */
  private retryPenalty(channel: PooledChannel, avoid: PooledChannel): number {
    if (channel === avoid) return 1.5;
    return channel.target === avoid.target && this.config.targets.length > 1 ? 0.75 : 0;
  }

  /** A new channel to `target`, watched and stamped for rotation; the caller places it. */
  private newChannel(target: string): PooledChannel {
    const channel = this.config.createChannel(
      this.nextChannelId++,
      target,
      this.channelStateChanged,
    );
    this.rotation.stamp(channel);
    return channel;
  }

  private addChannel(): PooledChannel {
    const channel = this.newChannel(this.leastUsedTarget());
    this.channels.push(channel);
    this.startIdleSweep();
    this.startAgeSweep();
    return channel;
  }

  /** Closes a channel that never connected and opens another to the same backend in its place. */
  private replaceStuck(channel: PooledChannel): void {
    const index = this.channels.indexOf(channel);
    if (this.closed || index === -1) return;
    const replacement = this.newChannel(channel.target);
    this.channels[index] = replacement;
    for (const other of this.channels)
      if (other.successor === channel) other.successor = replacement;
    // Calls waiting inside it fail as never sent (UNAVAILABLE), so they may be retried elsewhere.
    channel.close();
    replacement.connect();
    this.config.onChannelReplaced?.(
      channel,
      `was still CONNECTING after connectTimeoutMs ${this.config.limits.connectTimeoutMs}`,
      true,
      'connect_timeout',
    );
  }

  /**
   * Replaces `channel` gracefully: opens its successor now; new calls move to
   * it once it is READY; the old one closes when its last call has finished.
   */
  private rotate(
    channel: PooledChannel,
    reason: string,
    trouble: boolean,
    kind: ChannelReplacementReason,
  ): void {
    if (channel.successor !== undefined || channel.retiring) return;
    const successor = this.newChannel(channel.target);
    channel.successor = successor;
    this.channels.push(successor);
    successor.connect();
    this.config.onChannelReplaced?.(channel, reason, trouble, kind);
  }

  /** `successor` is READY: the channel it replaces takes no more calls. */
  private handOver(successor: PooledChannel): void {
    for (const channel of this.channels) {
      if (channel.successor !== successor || channel.retiring) continue;
      channel.retiring = true;
      this.retiringCount++;
    }
    if (this.retiringCount > 0) this.closeDrainedRetirees();
  }

  private closeDrainedRetirees(): void {
    for (let i = this.channels.length - 1; i >= 0; i--) {
      const channel = this.channels[i];
      if (channel.retiring && channel.inFlight === 0) this.removeAt(i);
    }
  }

  private startAgeSweep(): void {
    const { maxConnectionAgeMs } = this.config.limits;
    if (maxConnectionAgeMs === 0 || this.ageSweep !== undefined || this.closed) return;
    const every = Math.min(Math.max(Math.floor(maxConnectionAgeMs / 4), 10), 1000);
    this.ageSweep = setInterval(() => {
      const now = Date.now();
      for (const channel of [...this.channels]) {
        if (this.rotation.isDue(channel, now)) {
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

  /** Spreads channels over the backends: the target with the fewest channels, first listed on a tie. */
  private leastUsedTarget(): string {
    const { targets, outliers } = this.config;
    const counts = targets.map((target) =>
      outliers?.blocks(target) ? Infinity : this.channels.filter((c) => c.target === target).length,
    );
    return targets[counts.indexOf(Math.min(...counts))];
  }

  /** Channels kept even when idle: `minChannels`, and one per backend where `maxChannels` allows. */
  private floor(): number {
    const { minChannels, maxChannels } = this.config.limits;
    if (minChannels === 0) return 0;
    return Math.max(minChannels, Math.min(this.config.targets.length, maxChannels));
  }

  private replaceShutdownChannels(): void {
    for (let i = this.channels.length - 1; i >= 0; i--) {
      if (
        rankOf(this.channels[i].state()) === ChannelRank.Unusable &&
        this.channels[i].inFlight === 0
      ) {
        this.removeAt(i);
      }
    }
    this.open();
  }

  /** Hands freed slots to waiting calls in order. Re-entrant calls (a grant that ends at once) fold into the loop. */
  private grantWaiting(): void {
    if (this.granting || this.queue.size === 0) return;
    this.granting = true;
    try {
      while (this.queue.size > 0) {
        const lease = this.tryLease(undefined, true);
        if (lease === undefined) break;
        const waiter = this.queue.shift()!;
        clearTimeout(waiter.timer);
        waiter.requester.grant(lease);
      }
    } finally {
      this.granting = false;
    }
  }

  private enqueue(deadline: number | undefined, requester: SlotRequester): () => void {
    const { label, limits } = this.config;
    if (this.queue.size >= limits.maxQueued) {
      requester.reject(callFailures.exhausted(label, `${this.describeLoad()}; the queue is full`));
      return noop;
    }
    const queuedAt = Date.now();
    const giveUpAt = queuedAt + limits.acquireTimeoutMs;
    const deadlineFirst = deadline !== undefined && deadline < giveUpAt;
    const waiter: SlotWaiter = { requester, timer: undefined };
    waiter.timer = setTimeout(
      () => {
        if (!this.queue.remove(waiter)) return;
        const waited = Date.now() - queuedAt;
        requester.reject(
          deadlineFirst
            ? callFailures.deadlineWhileQueued(label, waited)
            : callFailures.exhausted(
                label,
                `${this.describeLoad()}; no slot freed within acquireTimeoutMs ${limits.acquireTimeoutMs}`,
              ),
        );
      },
      Math.max(0, (deadlineFirst ? deadline : giveUpAt) - queuedAt),
    );
    waiter.timer.unref();
    this.queue.push(waiter);
    return () => {
      if (this.queue.remove(waiter)) clearTimeout(waiter.timer);
    };
  }

  private describeLoad(): string {
    const { maxChannels, maxConcurrentCallsPerChannel, maxQueued } = this.config.limits;
    return (
      `${this.inFlight} calls in flight on ${this.channels.length}/${maxChannels} channels ` +
      `(maxConcurrentCallsPerChannel ${maxConcurrentCallsPerChannel}), ` +
      `${this.queue.size}/${maxQueued} queued (maxQueued ${maxQueued})`
    );
  }

  private startIdleSweep(): void {
    const { idleTimeoutMs } = this.config.limits;
    if (idleTimeoutMs === 0 || this.idleSweep !== undefined) return;
    const every = Math.min(Math.max(Math.floor(idleTimeoutMs / 2), 10), 30_000);
    this.idleSweep = setInterval(() => this.closeIdleChannels(idleTimeoutMs), every);
    // An idle pool must not keep the process alive.
    this.idleSweep.unref();
  }

  private closeIdleChannels(idleTimeoutMs: number): void {
    const now = Date.now();
    for (let i = this.channels.length - 1; i >= 0 && this.channels.length > this.floor(); i--) {
      const channel = this.channels[i];
      if (channel.inFlight === 0 && now - channel.lastUsedAt >= idleTimeoutMs) this.removeAt(i);
    }
  }

  /** Takes a channel out of the pool and closes it, keeping the rotation bookkeeping true. */
  private removeAt(index: number): void {
    const [channel] = this.channels.splice(index, 1);
    if (channel.retiring) this.retiringCount--;
    // A channel waiting for this one to take over stays in service, and may rotate again.
    for (const other of this.channels) if (other.successor === channel) other.successor = undefined;
    channel.close();
  }
}
