import { status, type Metadata } from '@grpc/grpc-js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import { MAX_DURATION_MS } from '../options/option-rules.js';

/**
 * A retry policy with every default filled in. Public as `GrpcRetryPolicy`: a subclass of
 * `GrpcRetryInterceptor` meets it in the protected `policyOf` and `shouldRetry`.
 * @publicApi
 */
export type RetryPolicy = Readonly<Required<GrpcRetryOptions>>;

const RETRY_DEFAULTS: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 2000,
  backoffMultiplier: 2,
  retryableCodes: Object.freeze([status.UNAVAILABLE]) as status[],
});

/** `false` turns retries off; an object overrides the defaults field by field. */
export function resolveRetryPolicy(
  value: GrpcRetryOptions | false | undefined,
): RetryPolicy | undefined {
  if (value === false) return undefined;
  return value === undefined ? RETRY_DEFAULTS : Object.freeze({ ...RETRY_DEFAULTS, ...value });
}

/** Exponential backoff with full jitter before attempt `attempt + 1` (AWS "full jitter"). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(
    policy.maxBackoffMs,
    policy.initialBackoffMs * policy.backoffMultiplier ** (attempt - 1),
  );
  return Math.random() * ceiling;
}

/**
 * The server's `grpc-retry-pushback-ms` trailer: a delay to use instead of
 * the backoff, `'stop'` when it is negative or malformed (the server asks
 * not to retry) or longer than a timer can wait, or undefined when absent.
 */
export function serverPushback(metadata: Metadata | undefined): number | 'stop' | undefined {
  const values = metadata?.get('grpc-retry-pushback-ms') ?? [];
  if (values.length === 0) return undefined;
  const text = String(values[0]);
  if (!/^\d+$/.test(text)) return 'stop';
  const delay = Number(text);
  // Longer than a timer can wait (it would fire after 1 ms): the server asks for no retry soon.
  return delay > MAX_DURATION_MS ? 'stop' : delay;
}

/**
 * Whether a failure proves the request never reached a server: the channel
 * had no connection, or the server refused the stream. Only then may a call
 * that is not idempotent be replayed.
 */
export function neverReachedServer(code: status, details: string): boolean {
  return (
    code === status.UNAVAILABLE &&
    (details.includes('No connection established') ||
      details === 'Stream refused by server' ||
      // The pool closed a channel that never connected (connectTimeoutMs) with the call still queued in it.
      details === 'Channel closed before call started')
  );
}
