import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RetryBudget, type RetryToken } from './retry-budget.js';
import { RetryBudgets } from './retry-budgets.js';

// The budget reads Date.now(): on a fake clock no refill can sneak in between two withdrawals.
beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('RetryBudget', () => {
  it('allows minPerSecond retries up front, then ratio of the calls that deposit', () => {
    const budget = new RetryBudget(0.2, 2);
    expect(budget.tryWithdraw()).toBeDefined();
    expect(budget.tryWithdraw()).toBeDefined();
    expect(budget.tryWithdraw()).toBeUndefined();
    // 11 calls at ratio 0.2 earn 2.2 retries (a little over 2, clear of float rounding).
    for (let i = 0; i < 11; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBeDefined();
    expect(budget.tryWithdraw()).toBeDefined();
    expect(budget.tryWithdraw()).toBeUndefined();
  });

  it('takes a retry’s token back when the retry is never sent, as if it had not been taken', () => {
    const budget = new RetryBudget(0, 2);
    budget.tryWithdraw()!.giveBack();
    expect(drain(budget)).toBe(2);
  });

  it('takes a token back once, however often it is given back', () => {
    const budget = new RetryBudget(0, 2);
    const token = budget.tryWithdraw()!;
    budget.tryWithdraw();
    token.giveBack();
    token.giveBack();
    expect(drain(budget)).toBe(1);
  });

  it('allows no retries at all with ratio 0 and minPerSecond 0', () => {
    const budget = new RetryBudget(0, 0);
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBeUndefined();
  });
});

/** Withdraws until refused; how many retries the budget allowed. */
function drain(budget: RetryBudget): number {
  let allowed = 0;
  while (budget.tryWithdraw()) allowed++;
  return allowed;
}

describe('RetryBudget over time', () => {
  it('refills at minPerSecond: one retry every 100 ms at 10 per second, never before', () => {
    const budget = new RetryBudget(0, 10);
    expect(drain(budget)).toBe(10);
    jest.advanceTimersByTime(99);
    expect(budget.tryWithdraw()).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(budget.tryWithdraw()).toBeDefined();
    expect(budget.tryWithdraw()).toBeUndefined();
  });

  it('does not bank the trickle past minPerSecond through tokens that were out and came back', () => {
    // Retries decided second after second (each second's trickle taken again), none of them sent:
    // their backoffs were cut off by aborts, or they waited for a slot until acquireTimeoutMs.
    const budget = new RetryBudget(0, 10);
    const out: RetryToken[] = [];
    for (let second = 0; second < 6; second++) {
      for (let token = budget.tryWithdraw(); token !== undefined; token = budget.tryWithdraw()) {
        out.push(token);
      }
      jest.advanceTimersByTime(1000);
    }
    expect(out).toHaveLength(60);
    for (const token of out) token.giveBack();
    // As if none had been taken: the bucket is full at its cap, not 60 retries deep.
    expect(drain(budget)).toBe(10);
  });

  it('does not bank the trickle past minPerSecond, however long the pool was quiet', () => {
    const budget = new RetryBudget(0, 10);
    drain(budget);
    jest.advanceTimersByTime(60_000);
    expect(drain(budget)).toBe(10);
  });

  it('lets what calls earned fade with a 10 s time constant, so only recent traffic counts', () => {
    // minPerSecond 1: a floor of one token; ten calls at ratio 1 bank ten more on top.
    const budget = new RetryBudget(1, 1);
    for (let i = 0; i < 10; i++) budget.deposit();
    jest.advanceTimersByTime(10_000);
    // 1 + 10 * e^-1 = 4.68 tokens after one time constant.
    expect(drain(budget)).toBe(4);
  });

  it('keeps what calls earned in full while no time passes', () => {
    const budget = new RetryBudget(1, 1);
    for (let i = 0; i < 10; i++) budget.deposit();
    expect(drain(budget)).toBe(11);
  });
});

describe('RetryBudgets', () => {
  it('keeps one budget per backend, so one backend cannot spend another one’s retries', () => {
    const budgets = new RetryBudgets(0, 1);
    expect(budgets.of('backend-a:1')).toBe(budgets.of('backend-a:1'));
    expect(budgets.of('backend-a:1').tryWithdraw()).toBeDefined();
    expect(budgets.of('backend-a:1').tryWithdraw()).toBeUndefined();
    expect(budgets.of('backend-b:1').tryWithdraw()).toBeDefined();
  });

  it('starts a fresh budget for a backend that was forgotten, or not retained', () => {
    const budgets = new RetryBudgets(0, 1);
    const spent = (target: string): void => void budgets.of(target).tryWithdraw();
    spent('a:1');
    spent('b:1');
    budgets.forget('a:1');
    budgets.retain((target) => target !== 'b:1');
    expect(budgets.of('a:1').tryWithdraw()).toBeDefined();
    expect(budgets.of('b:1').tryWithdraw()).toBeDefined();
  });
});
