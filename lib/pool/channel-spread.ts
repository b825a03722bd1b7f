import type { BackendAddresses } from './backend-addresses.js';
import type { ChannelRotation } from './channel-rotation.js';
import type { ChannelSet } from './channel-set.js';
import { isServing, servingCounts, type PoolGrowth } from './pool-growth.js';
import type { PooledChannel } from './pooled-channel.js';

// Keeps the channels where the addresses are: when discovery finds new
// addresses or loses old ones, and when the subset moves on. A channel on an
// address discovery no longer finds takes no new call from that moment (its
// calls in flight finish, then it closes). A channel leaving the subset moves
// gracefully, as rotation does: its successor opens first where the pool has
// room, and it retires first where it has none (its successor then takes
// the first slot that frees).

export class ChannelSpread {
  private subsetTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channels: ChannelSet,
    private readonly addresses: BackendAddresses,
    private readonly rotation: ChannelRotation,
    private readonly growth: PoolGrowth,
    /** Opens the successors owed and the floor, where the pool has room. */
    private readonly refill: () => void,
  ) {}

  /**
   * Retires the channels on addresses that are gone, moves channels off
   * addresses the pool no longer wants (retiring them outright where the
   * pool has channels enough and one still serves), then evens the rest out: an address with no
   * channel gets a new one while the pool is below its floor; otherwise an
   * address with two channels more than another gives it one. Channels that
   * have drained close, and the floor is filled again.
   */
  rebalance(): void {
    const wanted = this.addresses.wanted;
    if (wanted.length === 0) return;
    for (const channel of [...this.channels.all])
      if (!this.addresses.has(channel.target)) this.channels.retire(channel);
    const counts = servingCounts(this.channels.all, wanted);
    const floor = this.growth.floor();
    let placed = [...counts.values()].reduce((sum, count) => sum + count, 0);
    for (const channel of [...this.channels.all]) {
      if (!isServing(channel) || counts.has(channel.target)) continue;
      // Outright only while another channel serves: else it moves, as a rotation does.
      if (placed >= floor && placed > 0) {
        this.channels.retire(channel);
        continue;
      }
      const target = this.growth.leastUsedAddress()!;
      this.move(channel, target, 'left the addresses in use');
      counts.set(target, counts.get(target)! + 1);
      placed++;
    }
    this.evenOut(wanted, counts, placed, floor);
    this.rotation.closeDrained();
    this.refill();
  }

  /** Moves the subset on by one address every `everyMs`, while there are more addresses than channels. */
  startSubsetRotation(everyMs: number): void {
    if (this.subsetTimer !== undefined) return;
    this.subsetTimer = setInterval(() => {
      if (this.addresses.advanceSubset()) this.rebalance();
    }, everyMs);
    // Upkeep: it must not keep the process alive.
    this.subsetTimer.unref();
  }

  stop(): void {
    clearInterval(this.subsetTimer);
  }

  private evenOut(
    wanted: readonly string[],
    counts: Map<string, number>,
    placed: number,
    floor: number,
  ): void {
    // Each pass adds or moves one channel, so wanted.length passes are enough.
    for (let pass = 0; pass < wanted.length; pass++) {
      let emptiest = wanted[0];
      let fullest = wanted[0];
      for (const address of wanted) {
        if (counts.get(address)! < counts.get(emptiest)!) emptiest = address;
        if (counts.get(address)! > counts.get(fullest)!) fullest = address;
      }
      if (counts.get(emptiest) === 0 && placed < floor) {
        const grown = this.growth.grow();
        if (grown !== undefined) {
          grown.connect();
          counts.set(grown.target, counts.get(grown.target)! + 1);
          placed++;
          continue;
        }
      }
      if (counts.get(fullest)! - counts.get(emptiest)! < 2) return;
      const channel = this.channels.all.find((c) => isServing(c) && c.target === fullest);
      if (channel === undefined) return;
      this.move(channel, emptiest, `evens out channels over ${wanted.length} addresses`);
      counts.set(fullest, counts.get(fullest)! - 1);
      counts.set(emptiest, counts.get(emptiest)! + 1);
    }
  }

  /** Its successor opens now, or (at maxChannels) once the channel, retired first, has drained. */
  private move(channel: PooledChannel, target: string, why: string): void {
    this.rotation.rotate(channel, `${why} (successor on ${target})`, false, 'rebalance', target);
  }
}
