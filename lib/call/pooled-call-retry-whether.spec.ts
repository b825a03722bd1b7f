import { status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it, jest } from '@jest/globals';
import {
  dropped,
  Harness,
  pushback,
  serverError,
  harnessForEachTest,
} from '../../test/support/pooled-call-retry-harness.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import { RetryBudgets } from '../policies/retry-budgets.js';

let harness: Harness;
harnessForEachTest(
  () => harness,
  (next) => (harness = next as Harness),
);

describe('PooledCall retries: whether', () => {
  /** Calls `call`, fails its first attempt with `error`; the attempts sent over the next minute. */
  function attemptsAfter(
    error: ServiceError,
    idempotent = true,
    retry: GrpcRetryOptions | false = {},
  ): number {
    const before = harness.attempts.length;
    harness.call(retry, idempotent);
    harness.settle(error);
    jest.advanceTimersByTime(60_000);
    return harness.attempts.length - before;
  }

  it('stops at maxAttempts and fails with the last attempt’s error', () => {
    harness.call({ maxAttempts: 3 });
    for (let i = 0; i < 3; i++) {
      harness.settle(serverError(status.UNAVAILABLE, `attempt ${i + 1}`));
      jest.advanceTimersByTime(60_000);
    }
    expect(harness.attempts).toHaveLength(3);
    expect(harness.outcomes.map((o) => [o.code, o.details])).toEqual([
      [status.UNAVAILABLE, 'attempt 3'],
    ]);
  });

  it('retries only the retryable codes (UNAVAILABLE by default)', () => {
    expect(attemptsAfter(serverError(status.INTERNAL, 'boom'))).toBe(1);
    expect(
      attemptsAfter(serverError(status.INTERNAL, 'boom'), true, {
        retryableCodes: [status.INTERNAL],
      }),
    ).toBe(2);
  });

  it('never replays a call that is not idempotent unless the server cannot have seen it', () => {
    expect(attemptsAfter(dropped(), false)).toBe(1);
    expect(attemptsAfter(serverError(status.UNAVAILABLE, 'Stream refused by server'), false)).toBe(
      2,
    );
  });

  it('does not retry once a response reached the caller', () => {
    harness.call();
    harness.settle(dropped(), { reply: 1 });
    jest.advanceTimersByTime(60_000);
    expect(harness.attempts).toHaveLength(1);
  });

  it('does not retry when the server says stop (a negative pushback) or retries are off', () => {
    expect(attemptsAfter(serverError(status.UNAVAILABLE, 'no', pushback('-1')))).toBe(1);
    expect(attemptsAfter(dropped(), true, false)).toBe(1);
  });

  it('does not retry past the backend’s retry budget, and counts the refusal', () => {
    harness.close();
    // One retry in the bucket, refilled at 1 per second: the second call, right after, finds none.
    harness = new Harness(new RetryBudgets(0, 1));
    harness.call();
    harness.settle(dropped());
    jest.advanceTimersByTime(50);
    expect(harness.attempts).toHaveLength(2);
    harness.settle(null);
    harness.call();
    harness.settle(dropped());
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.OK, status.UNAVAILABLE]);
    expect(harness.metrics.retriesRefusedByBudget).toBe(1);
    jest.advanceTimersByTime(60_000);
    expect(harness.attempts).toHaveLength(3);
  });

  it('sends nothing more once the caller cancels during the backoff, and settles once', () => {
    const call = harness.call();
    harness.settle(dropped());
    const timers = jest.getTimerCount();
    call.unsubscribe();
    // The backoff's timer is gone with the call, not left to fire into it.
    expect(jest.getTimerCount()).toBe(timers - 1);
    jest.advanceTimersByTime(60_000);
    expect(harness.attempts).toHaveLength(1);
    // Cancelled by its caller: nothing is delivered, and it is counted once, as cancelled.
    expect(harness.outcomes).toEqual([]);
    expect(harness.metrics.outcomes.count(status.CANCELLED)).toBe(1);
  });
});
