/**
 * A token a retry took from its budget. A retry that is never sent (its
 * deadline or an abort came first) gives it back, as if it had not been
 * taken: the trickle that refilled the bucket meanwhile is not paid twice.
 * Only the first `giveBack()` counts.
 */
export interface RetryToken {
  giveBack(): void;
}

/** Deposits fade with this time constant, so only recent calls earn retries. */
const DEPOSIT_LIFETIME_MS = 10_000;

/**
 * A retry budget in the Envoy/Finagle style, as a token bucket: every call
 * deposits `ratio` of a token (fading over ~10 s, so only recent traffic
 * counts), a steady `minPerSecond` trickle refills it up to `minPerSecond`,
 * and a retry spends one token. A failing backend therefore sees about
 * `(1 + ratio)` times the calls plus the trickle, never `maxAttempts` times.
 */
export class RetryBudget {
  private tokens: number;
  private refilledAt = Date.now();
  private readonly cap: number;

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
  ) {
    this.cap = Math.max(minPerSecond, 1);
    this.tokens = minPerSecond;
  }

  /** A call started: it earns `ratio` of a retry. */
  deposit(): void {
    this.tokens += this.ratio;
  }

  /**
   * Takes one token for a retry about to wait out its backoff; undefined when
   * the budget is spent. Taken at once, so retries decided together cannot all
   * count on the same token; a retry that is then never sent gives it back,
   * through the token, once.
   */
  tryWithdraw(): RetryToken | undefined {
    this.refill();
    if (this.tokens < 1) return undefined;
    // The most the bucket may hold again when this token comes back: what it held as it was taken,
    // or the cap the trickle fills to meanwhile. However long tokens are out, and however many
    // come back, returns never lift it past a balance it had or the cap.
    const ceiling = Math.max(this.cap, this.tokens);
    this.tokens -= 1;
    let out = true;
    return {
      giveBack: () => {
        if (!out) return;
        out = false;
        this.refill();
        this.tokens = Math.max(this.tokens, Math.min(this.tokens + 1, ceiling));
      },
    };
  }

  private refill(): void {
    const now = Date.now();
    const trickle = ((now - this.refilledAt) / 1000) * this.minPerSecond;
    const excess = this.tokens - this.cap;
    if (excess > 0) {
      this.tokens = this.cap + excess * Math.exp(-(now - this.refilledAt) / DEPOSIT_LIFETIME_MS);
    } else {
      this.tokens = Math.min(this.cap, this.tokens + trickle);
    }
    this.refilledAt = now;
  }
}
