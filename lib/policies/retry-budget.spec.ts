import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RetryBudget } from './retry-budget.js';
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
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    // 11 calls at ratio 0.2 earn 2.2 retries (a little over 2, clear of float rounding).
    for (let i = 0; i < 11; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('takes a retry’s token back when the retry is never sent, as if it had not been taken', () => {
    const budget = new RetryBudget(0, 2);
    expect(budget.tryWithdraw()).toBe(true);
    budget.giveBack();
    expect(drain(budget)).toBe(2);
  });

  it('allows no retries at all with ratio 0 and minPerSecond 0', () => {
    const budget = new RetryBudget(0, 0);
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBe(false);
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
    expect(budget.tryWithdraw()).toBe(false);
    jest.advanceTimersByTime(1);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
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
    expect(budgets.of('backend-a:1').tryWithdraw()).toBe(true);
    expect(budgets.of('backend-a:1').tryWithdraw()).toBe(false);
    expect(budgets.of('backend-b:1').tryWithdraw()).toBe(true);
  });

  it('starts a fresh budget for a backend that was forgotten, or not retained', () => {
    const budgets = new RetryBudgets(0, 1);
    const spent = (target: string): void => void budgets.of(target).tryWithdraw();
    spent('a:1');
    spent('b:1');
    budgets.forget('a:1');
    budgets.retain((target) => target !== 'b:1');
    expect(budgets.of('a:1').tryWithdraw()).toBe(true);
    expect(budgets.of('b:1').tryWithdraw()).toBe(true);
  });
});
