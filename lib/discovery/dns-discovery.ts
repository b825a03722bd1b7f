import { resolveDnsTarget, type DnsResolution } from './dns-resolution.js';
import type { DnsTarget } from '../options/dns-target.js';

/**
 * How long one resolution may take; the next scheduled one is the retry.
 * @internal exported for the tests
 */
export const RESOLVE_TIMEOUT_MS = 5000;
/** The shortest wait between two resolutions of one name, whatever the TTL or failures say. */
const MIN_RESOLVE_GAP_MS = 1000;

/** A name the pool follows: the `url` entry and what DNS is asked for it. */
export interface FollowedName {
  target: string;
  dns: DnsTarget;
}

/** Resolves one target, as `resolveDnsTarget` does; another can be passed in (tests drive the schedule with one). */
export type DnsResolver = (
  target: DnsTarget,
  timeoutMs: number,
  signal: AbortSignal,
) => Promise<DnsResolution>;

/** What discovery tells the pool. */
export interface DnsDiscoveryListener {
  /** `target` resolved to `addresses` (non-empty, sorted), changed or not. */
  resolved(target: string, addresses: string[]): void;
  /** Resolving `target` failed; `firstInARow` for the first failure after a success (or ever). */
  failed(target: string, error: Error, firstInARow: boolean): void;
  /** `target` resolves again after failing. */
  recovered(target: string): void;
}

interface NameState {
  name: FollowedName;
  timer: NodeJS.Timeout | undefined;
  /** When the timer fires (epoch ms). */
  nextAt: number;
  running: Promise<void> | undefined;
  /** Ends the resolution running now (on stop, or when it takes too long). */
  abort: AbortController | undefined;
  lastStartedAt: number;
  /** When the failures in a row began; undefined while it resolves. */
  failingSince: number | undefined;
}

/**
 * Resolves the names a pool follows: on a schedule (`refreshIntervalMs`,
 * sooner when the records' TTL is shorter), and soon after a channel fails,
 * never more often than once a second per name. A failed resolution keeps
 * the addresses found last (the listener is simply not given new ones).
 * Timers are unref'd; `stop()` ends everything.
 */
export class DnsDiscovery {
  private readonly names: NameState[];
  private stopped = false;
  private started = false;

  constructor(
    names: readonly FollowedName[],
    private readonly refreshIntervalMs: number,
    private readonly listener: DnsDiscoveryListener,
    private readonly resolveTarget: DnsResolver = resolveDnsTarget,
  ) {
    this.names = names.map((name) => ({
      name,
      timer: undefined,
      nextAt: Infinity,
      running: undefined,
      abort: undefined,
      lastStartedAt: -Infinity,
      failingSince: undefined,
    }));
  }

  /**
   * Resolves every name now and schedules the next rounds. The promise
   * settles once each first resolution has succeeded or failed (each is
   * bounded by RESOLVE_TIMEOUT_MS), after `waitMs` at most (the resolutions
   * go on and are used when they come), or when discovery stops; starting
   * twice returns at once.
   */
  async start(waitMs = RESOLVE_TIMEOUT_MS): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([
      Promise.all(this.names.map((state) => this.resolve(state))),
      waited,
    ]).finally(() => clearTimeout(timer));
  }

  /** A channel failed: its address may be gone. Resolves soon, within the minimum gap. */
  resolveSoon(): void {
    if (!this.started || this.stopped) return;
    const now = Date.now();
    for (const state of this.names) {
      if (state.running !== undefined) continue;
      this.schedule(state, Math.max(0, state.lastStartedAt + MIN_RESOLVE_GAP_MS - now), true);
    }
  }

  /** When the oldest failure still unbroken began (epoch ms); undefined while every name resolves. */
  failingSince(): number | undefined {
    let oldest: number | undefined;
    for (const { failingSince } of this.names) {
      if (failingSince !== undefined && (oldest === undefined || failingSince < oldest))
        oldest = failingSince;
    }
    return oldest;
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.names) {
      clearTimeout(state.timer);
      // A query left pending would keep the process alive until it timed out.
      state.abort?.abort();
    }
  }

  private resolve(state: NameState): Promise<void> {
    state.running ??= this.resolveOnce(state).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }

  private async resolveOnce(state: NameState): Promise<void> {
    clearTimeout(state.timer);
    state.timer = undefined;
    state.lastStartedAt = Date.now();
    let nextInMs = this.refreshIntervalMs;
    const abort = new AbortController();
    state.abort = abort;
    try {
      const { addresses, ttlMs } = await withTimeout(
        this.resolveTarget(state.name.dns, RESOLVE_TIMEOUT_MS, abort.signal),
        RESOLVE_TIMEOUT_MS,
        state.name.dns.host,
        abort,
      );
      if (this.stopped) return;
      if (ttlMs !== undefined) nextInMs = Math.min(nextInMs, Math.max(ttlMs, MIN_RESOLVE_GAP_MS));
      const wasFailing = state.failingSince !== undefined;
      state.failingSince = undefined;
      if (wasFailing) this.listener.recovered(state.name.target);
      this.listener.resolved(state.name.target, addresses);
    } catch (error: unknown) {
      if (this.stopped) return;
      const firstInARow = state.failingSince === undefined;
      state.failingSince ??= Date.now();
      this.listener.failed(state.name.target, asError(error), firstInARow);
    } finally {
      state.abort = undefined;
      if (!this.stopped) this.schedule(state, nextInMs, false);
    }
  }

  /** Sets the name's next resolution `inMs` from now; `sooner` only moves an existing one earlier. */
  private schedule(state: NameState, inMs: number, sooner: boolean): void {
    const at = Date.now() + inMs;
    if (sooner && state.timer !== undefined && state.nextAt <= at) return;
    clearTimeout(state.timer);
    state.nextAt = at;
    state.timer = setTimeout(() => void this.resolve(state), inMs);
    // Discovery is upkeep: it must not keep the process alive.
    state.timer.unref();
  }
}

/** Bounds a lookup the system resolver could leave pending for long. */
function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  host: string,
  abort: AbortController,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        Object.assign(new Error(`resolving ${host} took over ${timeoutMs} ms`), {
          code: 'ETIMEOUT',
        }),
      );
      // The query must not outlive the answer given.
      abort.abort();
    }, timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
