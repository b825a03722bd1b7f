// The addresses a pool's channels may connect to, as discovery last found
// them, and the subset this pool uses when there are more than it has
// channels for. Growth, selection, spreading and outlier detection all read
// this one object, so a change of addresses reaches every part at once.

/** What a change of one target's addresses did to the pool's list. */
export interface AddressChange {
  added: string[];
  removed: string[];
}

/**
 * Each configured target (a `url` entry) stands for the addresses it
 * resolves to; a target nobody resolves (an IP, `unix:`, `xds:`, or a name
 * before its first resolution) stands for itself.
 *
 * Subsetting: every address gets a random rank in this pool when first
 * seen, so each pool orders the fleet its own way. The subset is a window
 * of `subsetSize` addresses in that order, and `advanceSubset()` slides it
 * by one. Pools that each cover a different, moving slice spread a fleet's
 * calls over every backend without knowing about each other. Addresses to
 * avoid (ejected by outlier detection) are passed over while the window
 * has others to take, so a dead backend does not hold a place in it.
 */
export class BackendAddresses {
  private readonly byTarget = new Map<string, readonly string[]>();
  private readonly targetOf = new Map<string, string>();
  private readonly ranks = new Map<string, number>();
  private list: readonly string[] = [];
  private ordered: readonly string[] = [];
  private subset: readonly string[] = [];
  private windowStart = 0;
  private avoided: (address: string) => boolean = () => false;

  constructor(
    targets: readonly string[],
    /** Addresses at once at most: the pool's `maxChannels`. */
    private readonly subsetSize: number,
  ) {
    for (const target of targets) this.byTarget.set(target, [target]);
    this.rebuild();
  }

  /** Every current address, in `url` order. */
  get all(): readonly string[] {
    return this.list;
  }

  /** The addresses this pool connects to now: all of them (in `url` order), or its subset. */
  get wanted(): readonly string[] {
    return this.subset;
  }

  /** Whether there are more addresses than the pool has channels for. */
  get subsetting(): boolean {
    return this.ordered.length > this.subsetSize;
  }

  /** Whether `address` is one of the current addresses. */
  has(address: string): boolean {
    return this.targetOf.has(address);
  }

  /** The configured target an address came from (itself when not resolved). */
  targetFor(address: string): string {
    return this.targetOf.get(address) ?? address;
  }

  /** `target` now resolves to `addresses` (non-empty); undefined when nothing changed. */
  set(target: string, addresses: readonly string[]): AddressChange | undefined {
    const before = this.list;
    const previous = this.byTarget.get(target) ?? [];
    if (sameList(previous, addresses)) return undefined;
    this.byTarget.set(target, [...addresses]);
    this.rebuild();
    const now = new Set(this.list);
    const was = new Set(before);
    const change = {
      added: this.list.filter((address) => !was.has(address)),
      removed: before.filter((address) => !now.has(address)),
    };
    for (const address of change.removed) this.ranks.delete(address);
    return change;
  }

  /** Slides the subset on by one address; false when every address is in use anyway. */
  advanceSubset(): boolean {
    if (!this.subsetting) return false;
    this.windowStart = (this.windowStart + 1) % this.ordered.length;
    this.subset = this.window();
    return true;
  }

  /** Addresses the subset passes over while it can (the pool's ejected backends). */
  avoid(avoided: (address: string) => boolean): void {
    this.avoided = avoided;
  }

  /** Takes the subset again after addresses were ejected or admitted; true when it changed. */
  refreshSubset(): boolean {
    if (!this.subsetting) return false;
    const next = this.window();
    if (sameList(next, this.subset)) return false;
    this.subset = next;
    return true;
  }

  private rebuild(): void {
    this.targetOf.clear();
    const list: string[] = [];
    for (const [target, addresses] of this.byTarget) {
      for (const address of addresses) {
        if (this.targetOf.has(address)) continue;
        this.targetOf.set(address, target);
        list.push(address);
      }
    }
    this.list = list;
    for (const address of list)
      if (!this.ranks.has(address)) this.ranks.set(address, Math.random());
    this.ordered = [...list].sort((a, b) => this.ranks.get(a)! - this.ranks.get(b)!);
    this.windowStart %= this.ordered.length;
    this.subset = this.window();
  }

  private window(): readonly string[] {
    const { ordered, subsetSize } = this;
    if (ordered.length <= subsetSize) return this.list;
    const taken: string[] = [];
    const passedOver: string[] = [];
    for (let i = 0; i < ordered.length && taken.length < subsetSize; i++) {
      const address = ordered[(this.windowStart + i) % ordered.length];
      (this.avoided(address) ? passedOver : taken).push(address);
    }
    // Too few to avoid them all: the avoided ones fill the rest, in order.
    return [...taken, ...passedOver.slice(0, subsetSize - taken.length)];
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
