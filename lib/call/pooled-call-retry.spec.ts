import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FakeWireCalls, preparedCall } from '../../test/support/fake-wire-calls.js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from '../details/status-details-codec.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import { resolveRetryPolicy } from '../policies/retry-policy.js';
import { RetryBudgets } from '../policies/retry-budgets.js';
import type { PooledCall } from './pooled-call.js';

// The real PooledCall and ChannelPool on a fake clock. Only the grpc-js call is
// replaced: the starter hands each attempt's sink to the test, which ends the
// attempt the way grpc-js would. The channel never connects (nothing is sent).

interface Outcome {
  code: status;
  details: string;
  at: number;
}

/** A failure as grpc-js reports one from the server, with its trailers. */
function serverError(code: status, details: string, trailers = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: trailers,
  });
}

function pushback(value: string): Metadata {
  const trailers = new Metadata();
  trailers.set('grpc-retry-pushback-ms', value);
  return trailers;
}

function retryInfo(seconds: number, nanos: number): Metadata {
  const trailers = new Metadata();
  const retryDelay = { seconds, nanos };
  const detail = { '@type': 'type.googleapis.com/google.rpc.RetryInfo' as const, retryDelay };
  trailers.set(STATUS_DETAILS_KEY, encodeStatusDetails(status.UNAVAILABLE, 'busy', [detail]));
  return trailers;
}

/** One pool, and calls on it whose attempts the test ends. */
class Harness {
  readonly outcomes: Outcome[] = [];
  private readonly calls: FakeWireCalls;
  /** Each attempt's sink and the time it was sent, in order. */
  readonly attempts: FakeWireCalls['attempts'];
  readonly metrics: FakeWireCalls['metrics'];

  constructor(budgets = new RetryBudgets(0.2, 10)) {
    this.calls = new FakeWireCalls('retry-spec', { budgets });
    this.attempts = this.calls.attempts;
    this.metrics = this.calls.metrics;
  }

  /** Starts a call; `timeoutMs` sets its deadline from now, `signal` can abort it. */
  call(
    retry: GrpcRetryOptions | false = {},
    idempotent = true,
    timeoutMs?: number,
    signal?: AbortSignal,
  ): PooledCall {
    const prepared = preparedCall({
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      retry: resolveRetryPolicy(retry),
      idempotent,
      signal,
    });
    const record = (code: status, details: string): void => {
      this.outcomes.push({ code, details, at: Date.now() });
    };
    const observer = {
      closed: false,
      next: () => undefined,
      error: (error: ServiceError) => record(error.code, error.details),
      complete: () => record(status.OK, ''),
    };
    const call = this.calls.newCall(prepared, observer);
    call.open();
    return call;
  }

  /** Ends the latest attempt with `error` (null: OK), as grpc-js's callback does. */
  settle(error: ServiceError | null, message?: object): void {
    const { sink } = this.attempts[this.attempts.length - 1];
    sink.ended(error?.code ?? status.OK, error?.details ?? '');
    if (message !== undefined) sink.next(message);
    sink.settled(error);
  }

  close(): void {
    this.calls.close();
  }
}

let harness: Harness;
let random: ReturnType<typeof jest.spyOn>;

beforeEach(() => {
  jest.useFakeTimers();
  // Half the ceiling: 50 ms before attempt 2, 100 ms before attempt 3 (defaults 100 ms x2).
  random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
  harness = new Harness();
});

afterEach(() => {
  harness.close();
  // Nothing keeps the last test's calls reachable: they are AsyncResources, and
  // --detectOpenHandles counts those the garbage collector has not taken.
  harness = undefined as unknown as Harness;
  jest.restoreAllMocks();
  jest.useRealTimers();
});

const dropped = (): ServiceError => serverError(status.UNAVAILABLE, 'Connection dropped');

describe('PooledCall retries: when', () => {
  it('sends each retry exactly when its jittered backoff is over, never before', () => {
    harness.call();
    harness.settle(dropped());
    jest.advanceTimersByTime(49);
    expect(harness.attempts).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(harness.attempts.map((a) => a.at)).toEqual(
      [0, 50].map((ms) => ms + harness.attempts[0].at),
    );
    harness.settle(dropped());
    jest.advanceTimersByTime(99);
    expect(harness.attempts).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(harness.attempts[2].at - harness.attempts[0].at).toBe(150);
    expect(harness.metrics.retries).toBe(2);
  });

  it('retries at once when the jitter draws 0 (full jitter has no floor)', () => {
    random.mockReturnValue(0);
    harness.call();
    harness.settle(dropped());
    jest.advanceTimersByTime(0);
    expect(harness.attempts).toHaveLength(2);
  });

  it('waits what grpc-retry-pushback-ms asks instead of the backoff', () => {
    harness.call();
    harness.settle(serverError(status.UNAVAILABLE, 'busy', pushback('300')));
    jest.advanceTimersByTime(299);
    expect(harness.attempts).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(harness.attempts).toHaveLength(2);
  });

  it('waits what a google.rpc.RetryInfo detail asks when there is no pushback trailer', () => {
    harness.call();
    harness.settle(serverError(status.UNAVAILABLE, 'busy', retryInfo(1, 500_000_000)));
    jest.advanceTimersByTime(1499);
    expect(harness.attempts).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(harness.attempts).toHaveLength(2);
  });

  it('fails with DEADLINE_EXCEEDED exactly at the deadline when it falls inside the backoff', () => {
    harness.call({}, true, 30);
    harness.settle(dropped());
    jest.advanceTimersByTime(29);
    expect(harness.outcomes).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(harness.outcomes).toEqual([
      {
        code: status.DEADLINE_EXCEEDED,
        details: expect.stringContaining('while waiting to retry'),
        at: harness.attempts[0].at + 30,
      },
    ]);
    jest.advanceTimersByTime(10_000);
    expect(harness.attempts).toHaveLength(1);
  });

  it('does not start a retry that would begin at the deadline itself, but does one a millisecond before', () => {
    harness.call({}, true, 50);
    harness.settle(dropped());
    jest.advanceTimersByTime(50);
    expect(harness.attempts).toHaveLength(1);
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.DEADLINE_EXCEEDED]);

    harness.call({}, true, 51);
    harness.settle(dropped());
    jest.advanceTimersByTime(50);
    expect(harness.attempts).toHaveLength(3);
  });

  it('answers at once with the server’s error when its pushback reaches past the deadline', () => {
    harness.call({}, true, 1000);
    harness.settle(serverError(status.UNAVAILABLE, 'busy', pushback('1000')));
    expect(harness.outcomes).toEqual([
      { code: status.UNAVAILABLE, details: 'busy', at: Date.now() },
    ]);
    jest.advanceTimersByTime(10_000);
    expect(harness.attempts).toHaveLength(1);
  });
});

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
