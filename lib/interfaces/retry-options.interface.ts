import type { status } from '@grpc/grpc-js';

/**
 * Retry policy shape. Validated now; applied by the call-policy layer.
 * @publicApi
 */
export interface GrpcRetryOptions {
  /** Attempts including the first. Default `3`. */
  maxAttempts?: number;
  /** First backoff before jitter. Default `100`. */
  initialBackoffMs?: number;
  /** Cap on one backoff. Default `2000`. */
  maxBackoffMs?: number;
  /** Growth of the backoff per attempt. Default `2`. */
  backoffMultiplier?: number;
  /** Status codes that may be retried. Default `[status.UNAVAILABLE]`. */
  retryableCodes?: status[];
}
