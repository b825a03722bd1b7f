import type { PooledChannel } from './pooled-channel.js';

// The pool's channels: one list that selection, growth, the idle sweep,
// replacement and rotation all read. Channels come and go only through here,
// so the links between a channel and its successor (and the count of
// retiring channels) stay true whichever part takes a channel out, and the
// cap holds whichever part adds one: the list never holds more than
// maxChannels, counting successors, channels still connecting and channels
// draining (each still holds a connection, and stats() lists it).

export class ChannelSet {
  private readonly channels: PooledChannel[] = [];
  private nextId = 1;
  private retiringCount = 0;

  constructor(
    private readonly maxChannels: number,
    private readonly factory: (id: number, target: string) => PooledChannel,
  ) {}

  /** The channels, live: the same array as channels are added and removed. */
  get all(): readonly PooledChannel[] {
    return this.channels;
  }

  get size(): number {
    return this.channels.length;
  }

  /** Whether one more channel fits under maxChannels. */
  get hasRoom(): boolean {
    return this.channels.length < this.maxChannels;
  }

  get inFlight(): number {
    return this.channels.reduce((sum, channel) => sum + channel.inFlight, 0);
  }

  /** Channels that take no new calls and close once their calls finish. */
  get retiring(): number {
    return this.retiringCount;
  }

  /** Opens a channel to `target` and adds it, if one more fits under maxChannels; the caller connects it. */
  open(target: string): PooledChannel | undefined {
    if (!this.hasRoom) return undefined;
    const channel = this.factory(this.nextId++, target);
    this.channels.push(channel);
    return channel;
  }

  indexOf(channel: PooledChannel): number {
    return this.channels.indexOf(channel);
  }

  /**
   * Opens a channel to the same target in the place of the one at `index`,
   * which is taken out and closed; a channel waiting for the old one to take
   * over waits for the new one instead. The count does not change.
   */
  replaceAt(index: number): PooledChannel {
    const channel = this.channels[index];
    const replacement = this.factory(this.nextId++, channel.target);
    this.channels[index] = replacement;
    for (const other of this.channels)
      if (other.successor === channel) other.successor = replacement;
    if (channel.retiring) this.retiringCount--;
    channel.close();
    return replacement;
  }

  /**
   * The channel takes no new calls from now on. A channel waiting for it to
   * take over stays in service (it may be moved again): the one it waited
   * for will never take over.
   */
  retire(channel: PooledChannel): void {
    if (channel.retiring) return;
    channel.retiring = true;
    this.retiringCount++;
    for (const other of this.channels) if (other.successor === channel) other.successor = undefined;
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
    this.retiringCount = 0;
  }
}
