import { describe, expect, it } from '@jest/globals';
import { RetryBudget } from './retry-budget.js';
import { RetryBudgets } from './retry-budgets.js';

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

  it('allows no retries at all with ratio 0 and minPerSecond 0', () => {
    const budget = new RetryBudget(0, 0);
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBe(false);
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
});
