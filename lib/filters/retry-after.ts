import type { GrpcDuration } from '../interfaces/status-details.interface.js';

/**
 * The longest `Retry-After` the filter sends: one day. A server that asks
 * for more (a `RetryInfo` of years, or int64's maximum as "never") means
 * "not soon", and a day says that; passing its figure on would tell an HTTP
 * client, or a cache in front of it, to hold off for longer than any
 * deployment lasts, and figures past 2^53 do not even print as integers.
 * @internal exported for the tests
 */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

const MAX_NANOS = 999_999_999;

/**
 * A `RetryInfo` delay as `Retry-After` delta-seconds (RFC 9110 10.2.3: a
 * non-negative integer, no fraction, no exponent): whole seconds rounded up,
 * at most `MAX_RETRY_AFTER_SECONDS`. Undefined, so no header, for a delay
 * that is not one: negative, or nanos outside 0 to 999,999,999 (a
 * `google.protobuf.Duration` of a positive delay keeps them there).
 */
export function retryAfterSeconds(delay: GrpcDuration | null | undefined): number | undefined {
  if (delay === null || delay === undefined) return undefined;
  const { seconds, nanos } = delay;
  if (!Number.isInteger(seconds) || !Number.isInteger(nanos)) return undefined;
  if (seconds < 0 || nanos < 0 || nanos > MAX_NANOS) return undefined;
  // Compared before adding: seconds past 2^53 are not exact, and their sum would not be either.
  if (seconds >= MAX_RETRY_AFTER_SECONDS) return MAX_RETRY_AFTER_SECONDS;
  return Math.min(seconds + (nanos > 0 ? 1 : 0), MAX_RETRY_AFTER_SECONDS);
}
