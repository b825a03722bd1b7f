import { RetryBudget } from './retry-budget.js';

/**
 * One retry budget per backend (target), so a failing backend cannot spend
 * the retries that calls to healthy backends earned. With a single target it
 * is the pool's budget.
 */
export class RetryBudgets {
  private readonly byTarget = new Map<string, RetryBudget>();

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
  ) {}

  of(target: string): RetryBudget {
    let budget = this.byTarget.get(target);
    if (budget === undefined) {
      budget = new RetryBudget(this.ratio, this.minPerSecond);
      this.byTarget.set(target, budget);
    }
    return budget;
  }

  /** `target` is gone (discovery no longer finds it); a later call to it starts a fresh budget. */
  forget(target: string): void {
    this.byTarget.delete(target);
  }

  /** Drops the budgets of targets that are gone, including those calls draining off them made again. */
  retain(current: (target: string) => boolean): void {
    for (const target of this.byTarget.keys()) if (!current(target)) this.byTarget.delete(target);
  }
}
