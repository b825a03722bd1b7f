import { connectivityState } from '@grpc/grpc-js';
import type { ChannelPoolConfig } from './channel-pool-config.js';
import type { ChannelSet } from './channel-set.js';
import type { PooledChannel } from './pooled-channel.js';

// How the pool grows: to its floor when it opens, then by one channel at a
// time when calls find no room, up to maxChannels (ChannelSet refuses more).
// Growth is for load, never for failure: a backend whose channel cannot
// connect gets no second channel, since it would fail the same way.
// Shrinking back is IdleSweep's.

export class PoolGrowth {
  constructor(
    private readonly channels: ChannelSet,
    private readonly config: Pick<ChannelPoolConfig, 'addresses' | 'limits' | 'outliers'>,
    /** A channel was added. */
    private readonly onGrown: () => void,
  ) {}

  get canGrow(): boolean {
    return this.channels.hasRoom;
  }

  /**
   * Opens channels until the floor (and at least `atLeast`) serve, within
   * `maxChannels`, and starts them connecting. Channels draining do not serve,
   * but hold their slot until they close.
   */
  fill(atLeast: number): void {
    const wanted = Math.max(this.floor(), atLeast);
    let serving = this.channels.all.filter(isServing).length;
    while (serving < wanted) {
      const channel = this.grow(this.leastUsedAddress());
      if (channel === undefined) return;
      channel.connect();
      serving++;
    }
  }

  /**
   * Adds one channel for calls that found no room, on the backend with the
   * fewest that is not failing; none when the pool is full or every backend
   * it wants is failing. The caller places calls on it.
   */
  growForLoad(): PooledChannel | undefined {
    const target = this.leastUsedAddress(failingAddresses(this.channels.all));
    return target === undefined ? undefined : this.grow(target);
  }

  /** Adds one channel to `target`, to the backend with the fewest by default, if the pool has room. */
  grow(target = this.leastUsedAddress()): PooledChannel | undefined {
    if (target === undefined) return undefined;
    const channel = this.channels.open(target);
    if (channel !== undefined) this.onGrown();
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
   * wants now, but for `excluded`) with the fewest serving channels, first
   * listed on a tie; an ejected one only when there is no other.
   */
  leastUsedAddress(excluded: ReadonlySet<string> = NONE): string | undefined {
    const { addresses, outliers } = this.config;
    const wanted = addresses.wanted;
    const counts = servingCounts(this.channels.all, wanted);
    let best: string | undefined;
    let bestCount = Infinity;
    for (const address of wanted) {
      if (excluded.has(address)) continue;
      best ??= address;
      const count = outliers?.blocks(address) ? Infinity : counts.get(address)!;
      if (count < bestCount) {
        best = address;
        bestCount = count;
      }
    }
    return best;
  }
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Addresses whose backend is failing: a channel to it is in
 * TRANSIENT_FAILURE (grpc-js is backing off its reconnects) and none is
 * READY. Another channel there would only fail the same way; one READY
 * channel shows the backend is up, and a broken connection beside it is
 * that connection's own trouble.
 */
function failingAddresses(channels: readonly PooledChannel[]): Set<string> {
  const failing = new Set<string>();
  const ready = new Set<string>();
  for (const channel of channels) {
    if (channel.retiring) continue;
    const state = channel.state();
    if (state === connectivityState.TRANSIENT_FAILURE) failing.add(channel.target);
    else if (state === connectivityState.READY) ready.add(channel.target);
  }
  for (const address of ready) failing.delete(address);
  return failing;
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
