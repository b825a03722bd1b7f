import { status } from '@grpc/grpc-js';
import { describe, expect, it, jest } from '@jest/globals';
import {
  dropped,
  Harness,
  pushback,
  retryInfo,
  serverError,
  harnessForEachTest,
} from '../../test/support/pooled-call-retry-harness.js';

let harness: Harness;
harnessForEachTest(
  () => harness,
  (next) => (harness = next as Harness),
);

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
    jest.mocked(Math.random).mockReturnValue(0);
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
