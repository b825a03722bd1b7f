import { describe, expect, it } from '@jest/globals';
import { MAX_RETRY_AFTER_SECONDS, retryAfterSeconds } from './retry-after.js';

describe('retryAfterSeconds: RetryInfo delay to Retry-After delta-seconds', () => {
  it.each([
    [{ seconds: 0, nanos: 0 }, 0],
    [{ seconds: 0, nanos: 1 }, 1],
    [{ seconds: 2, nanos: 500_000_000 }, 3],
    [{ seconds: MAX_RETRY_AFTER_SECONDS - 1, nanos: 0 }, MAX_RETRY_AFTER_SECONDS - 1],
    [{ seconds: MAX_RETRY_AFTER_SECONDS - 1, nanos: 1 }, MAX_RETRY_AFTER_SECONDS],
    [{ seconds: MAX_RETRY_AFTER_SECONDS, nanos: 999_999_999 }, MAX_RETRY_AFTER_SECONDS],
    // int64's maximum as protobufjs gives it: a number past 2^53.
    [{ seconds: Number(2n ** 63n - 1n), nanos: 999_999_999 }, MAX_RETRY_AFTER_SECONDS],
    [{ seconds: Number.MAX_VALUE, nanos: 0 }, MAX_RETRY_AFTER_SECONDS],
  ])('%j is %d', (delay, expected) => {
    expect(retryAfterSeconds(delay)).toBe(expected);
  });

  it.each([
    [null],
    [undefined],
    [{ seconds: -1, nanos: 0 }],
    [{ seconds: 0, nanos: -1 }],
    [{ seconds: 5, nanos: 1_000_000_000 }],
    [{ seconds: 1.5, nanos: 0 }],
    [{ seconds: Infinity, nanos: 0 }],
    [{ seconds: NaN, nanos: 0 }],
    [{ seconds: '5' as unknown as number, nanos: 0 }],
  ])('%j is no delay', (delay) => {
    expect(retryAfterSeconds(delay)).toBeUndefined();
  });
});
