import type { PooledChannel } from './pooled-channel.js';

// The pool's channels: one list that selection, growth, the idle sweep,
// replacement and rotation all read. Channels come and go only through here,
// so the links between a channel and its successor (and the count of
// retiring channels) stay true whichever part takes a channel out.

export class ChannelSet {
  private readonly channels: PooledChannel[] = [];
  private nextId = 1;
  private retiringCount = 0;

  constructor(private readonly factory: (id: number, target: string) => PooledChannel) {}

  /** The channels, live: the same array as channels are added and removed. */
  get all(): readonly PooledChannel[] {
    return this.channels;
  }

  get size(): number {
    return this.channels.length;
  }

  get inFlight(): number {
    return this.channels.reduce((sum, channel) => sum + channel.inFlight, 0);
  }

  /** Channels that take no new calls and close once their calls finish. */
  get retiring(): number {
    return this.retiringCount;
  }

  /** A new channel to `target` with the next id; in the set only once added or put in place. */
  newChannel(target: string): PooledChannel {
    return this.factory(this.nextId++, target);
  }

  add(channel: PooledChannel): void {
    this.channels.push(channel);
  }

  indexOf(channel: PooledChannel): number {
    return this.channels.indexOf(channel);
  }

  /** Puts `replacement` at `index`; a channel waiting for the old one to take over waits for it instead. */
  putAt(index: number, replacement: PooledChannel): void {
    const channel = this.channels[index];
    this.channels[index] = replacement;
    for (const other of this.channels)
      if (other.successor === channel) other.successor = replacement;
  }

  /** The channel takes no new calls from now on. */
  retire(channel: PooledChannel): void {
    channel.retiring = true;
    this.retiringCount++;
  }

  /** Takes a channel out and closes it, keeping the rotation bookkeeping true. */
  removeAt(index: number): void {
    const [channel] = this.channels.splice(index, 1);
    if (channel.retiring) this.retiringCount--;
    // A channel waiting for this one to take over stays in service, and may rotate again.
    for (const other of this.channels) if (other.successor === channel) other.successor = undefined;
    channel.close();
  }

  /** Takes every channel out and closes it. */
  closeAll(): void {
    for (const channel of this.channels.splice(0)) channel.close();
  }
}
