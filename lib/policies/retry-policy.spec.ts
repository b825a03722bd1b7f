import { Metadata, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  backoffMs,
  neverReachedServer,
  resolveRetryPolicy,
  serverPushback,
} from './retry-policy.js';

function trailer(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set('grpc-retry-pushback-ms', value);
  return metadata;
}

/** Just under 1: Math.random never returns 1, so this is the longest a jittered wait can be. */
const HIGHEST_RANDOM = 1 - Number.EPSILON;

describe('resolveRetryPolicy', () => {
  it('fills in the documented defaults: 3 attempts, 100 ms doubling to 2 s, UNAVAILABLE only', () => {
    expect(resolveRetryPolicy(undefined)).toEqual({
      maxAttempts: 3,
      initialBackoffMs: 100,
      maxBackoffMs: 2000,
      backoffMultiplier: 2,
      retryableCodes: [status.UNAVAILABLE],
    });
  });

  it('overrides field by field, and false turns retries off', () => {
    expect(resolveRetryPolicy({ maxAttempts: 5 })).toMatchObject({
      maxAttempts: 5,
      initialBackoffMs: 100,
    });
    expect(resolveRetryPolicy(false)).toBeUndefined();
  });
});

describe('backoffMs (exponential backoff, full jitter)', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const policy = resolveRetryPolicy(undefined)!;

  it('waits between 0 and 100 ms, 200 ms, 400 ms ... 2000 ms before attempts 2, 3, 4 ...', () => {
    jest.spyOn(Math, 'random').mockReturnValue(HIGHEST_RANDOM);
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffMs(policy, attempt));
    // Each ceiling times the random draw: compare with what the draw allows, exactly.
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 2000, 2000].map((c) => c * HIGHEST_RANDOM));
  });

  it('is the random draw times the ceiling: full jitter, down to no wait at all', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(backoffMs(policy, 1)).toBe(50);
    expect(backoffMs(policy, 3)).toBe(200);
    expect(backoffMs(policy, 9)).toBe(1000);
    jest.spyOn(Math, 'random').mockReturnValue(0);
    expect(backoffMs(policy, 4)).toBe(0);
  });

  it('follows the policy’s own initial backoff, multiplier and cap', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const own = resolveRetryPolicy({
      initialBackoffMs: 30,
      backoffMultiplier: 3,
      maxBackoffMs: 500,
    })!;
    // Ceilings 30, 90, 270, then 810 capped at 500.
    expect([1, 2, 3, 4].map((attempt) => backoffMs(own, attempt))).toEqual([15, 45, 135, 250]);
  });
});

describe('serverPushback', () => {
  it('takes a delay a timer can wait; stops on a longer one (Node would fire it after 1 ms)', () => {
    expect(serverPushback(trailer('200'))).toBe(200);
    expect(serverPushback(trailer('0'))).toBe(0);
    expect(serverPushback(trailer('2147483647'))).toBe(2_147_483_647);
    expect(serverPushback(trailer('2147483648'))).toBe('stop');
    expect(serverPushback(trailer('99999999999999999999'))).toBe('stop');
  });

  it('reads a negative or malformed value as the server asking for no retry, and none as no opinion', () => {
    expect(serverPushback(trailer('-1'))).toBe('stop');
    expect(serverPushback(trailer('soon'))).toBe('stop');
    expect(serverPushback(trailer('1.5'))).toBe('stop');
    expect(serverPushback(new Metadata())).toBeUndefined();
    expect(serverPushback(undefined)).toBeUndefined();
  });
});

describe('neverReachedServer', () => {
  it('is true only for UNAVAILABLE failures that prove the request was never sent', () => {
    expect(neverReachedServer(status.UNAVAILABLE, 'No connection established. Last error: x')).toBe(
      true,
    );
    expect(neverReachedServer(status.UNAVAILABLE, 'Stream refused by server')).toBe(true);
    expect(neverReachedServer(status.UNAVAILABLE, 'Channel closed before call started')).toBe(true);
    // The connection dropped mid-call: the server may have run it.
    expect(neverReachedServer(status.UNAVAILABLE, 'Connection dropped')).toBe(false);
    expect(neverReachedServer(status.INTERNAL, 'Stream refused by server')).toBe(false);
  });
});
