import { status } from '@grpc/grpc-js';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  dropped,
  Harness,
  harnessForEachTest,
} from '../../test/support/pooled-call-retry-harness.js';
import { RetryBudgets } from '../policies/retry-budgets.js';

let harness: Harness;
harnessForEachTest(
  () => harness,
  (next) => (harness = next as Harness),
);

describe('PooledCall retries: what is counted and paid for', () => {
  beforeEach(() => {
    harness.close();
    // One retry in the bucket and a trickle of one a second: a spent token is not back for a second.
    harness = new Harness(new RetryBudgets(0, 1));
  });

  /** Whether a call failing now gets its retry sent: the budget still holds its one token. */
  function budgetStillHasItsRetry(): boolean {
    const before = harness.attempts.length;
    harness.call();
    harness.settle(dropped());
    jest.advanceTimersByTime(50);
    return harness.attempts.length - before === 2;
  }

  it('counts a retry when it is sent, not when it is decided, and charges the budget once', () => {
    harness.call();
    harness.settle(dropped());
    jest.advanceTimersByTime(49);
    // Still in its backoff: nothing was sent, so nothing is counted yet.
    expect(harness.metrics.retries).toBe(0);
    jest.advanceTimersByTime(1);
    expect(harness.attempts).toHaveLength(2);
    expect(harness.metrics.retries).toBe(1);
    harness.settle(null);
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.OK]);
    expect(harness.metrics.retries).toBe(1);
    // The one token went to the retry that was sent.
    expect(budgetStillHasItsRetry()).toBe(false);
    expect(harness.metrics.retriesRefusedByBudget).toBe(1);
  });

  it('neither counts nor charges a retry whose backoff the deadline cuts off', () => {
    // The backoff is 50 ms, the deadline 30 ms away: the retry is never sent.
    harness.call({}, true, 30);
    harness.settle(dropped());
    jest.advanceTimersByTime(30);
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.DEADLINE_EXCEEDED]);
    expect(harness.outcomes[0].details).toContain('(after 1 attempts)');
    expect(harness.attempts).toHaveLength(1);
    expect(harness.metrics.retries).toBe(0);
    expect(budgetStillHasItsRetry()).toBe(true);
    expect(harness.metrics.retriesRefusedByBudget).toBe(0);
  });

  it('neither counts nor charges a retry whose backoff an abort cuts off', () => {
    const controller = new AbortController();
    harness.call({}, true, undefined, controller.signal);
    harness.settle(dropped());
    jest.advanceTimersByTime(20);
    controller.abort();
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.CANCELLED]);
    jest.advanceTimersByTime(60_000);
    expect(harness.attempts).toHaveLength(1);
    expect(harness.metrics.retries).toBe(0);
    expect(budgetStillHasItsRetry()).toBe(true);
    expect(harness.metrics.retriesRefusedByBudget).toBe(0);
  });

  it('neither counts nor charges a retry whose caller unsubscribes during the backoff', () => {
    const call = harness.call();
    harness.settle(dropped());
    jest.advanceTimersByTime(20);
    call.unsubscribe();
    jest.advanceTimersByTime(60_000);
    expect(harness.attempts).toHaveLength(1);
    expect(harness.metrics.retries).toBe(0);
    expect(budgetStillHasItsRetry()).toBe(true);
  });
});
