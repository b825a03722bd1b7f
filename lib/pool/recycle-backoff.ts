const FIRST_DELAY_MS = 1000;
/** The longest wait between two replacements of failing channels to one backend. */
export const LONGEST_RECYCLE_DELAY_MS = 30_000;

interface Gate {
  /** Replacements so far in this episode of failures. */
  steps: number;
  /** No replacement before this time (epoch ms). */
  notBefore: number;
  /** The last UNAVAILABLE answer from the backend (epoch ms). */
  lastFailureAt: number;
}

/** A replacement the backoff allows now. */
export interface RecycleStep {
  /** 1 for the first replacement of an episode, then 2, 3, ... */
  step: number;
  /** The wait before the next replacement to the same backend may happen. */
  nextDelayMs: number;
  /** The wait is longer than the last one: a step worth a warning, where repeats at the limit are not. */
  grew: boolean;
}

/**
 * How often the pool may replace READY channels to one backend that keep
 * failing: at once, then 1 s later, doubling to one per 30 s. Only failures
 * feed it, so no other answer (NOT_FOUND, INTERNAL, even OK) mixed between
 * them starts the backoff over: a backend that fails half its calls would
 * otherwise have its channels replaced dozens of times a second. It starts
 * over when the backend has gone as long as its next wait without a single
 * failure: it recovered, and a new fault is a new episode.
 */
export class RecycleBackoff {
  private readonly gates = new Map<string, Gate>();

  /** `target` answered UNAVAILABLE at `now`. */
  failed(target: string, now: number): void {
    const gate = this.gates.get(target);
    if (gate === undefined) return;
    if (now - gate.lastFailureAt >= delayAfter(gate.steps)) this.gates.delete(target);
    else gate.lastFailureAt = now;
  }

  /** `target` is gone (discovery no longer finds it). */
  forget(target: string): void {
    this.gates.delete(target);
  }

  /** Takes the next step for `target` if the backoff allows a replacement at `now`. */
  take(target: string, now: number): RecycleStep | undefined {
    const gate = this.gates.get(target) ?? { steps: 0, notBefore: 0, lastFailureAt: now };
    if (now < gate.notBefore) return undefined;
    const delayMs = delayAfter(gate.steps);
    gate.steps++;
    gate.notBefore = now + delayMs;
    gate.lastFailureAt = now;
    this.gates.set(target, gate);
    return {
      step: gate.steps,
      nextDelayMs: delayMs,
      grew: gate.steps === 1 || delayMs > delayAfter(gate.steps - 2),
    };
  }
}

/** The wait after `steps` replacements: 1 s, 2 s, 4 s, ... up to 30 s. */
function delayAfter(steps: number): number {
  return Math.min(LONGEST_RECYCLE_DELAY_MS, FIRST_DELAY_MS * 2 ** steps);
}
