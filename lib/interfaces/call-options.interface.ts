import type { CallOptions } from '@grpc/grpc-js';
import type { GrpcRetryOptions } from './retry-options.interface.js';

/**
 * Defaults applied to every call of a client unless the call overrides them.
 * @publicApi
 */
export interface GrpcDefaultCallOptions {
  /** Deadline for each call, in milliseconds. Default: none. */
  timeoutMs?: number;
  /**
   * Wait for a connection instead of failing fast with UNAVAILABLE while the
   * channel is in TRANSIENT_FAILURE. Default `false`.
   */
  waitForReady?: boolean;
  /** Retry policy, or `false` for none. */
  retry?: GrpcRetryOptions | false;
}

/**
 * The third argument of a service method: grpc-js `CallOptions` plus the pool's own.
 * @publicApi
 */
export interface GrpcPoolCallOptions extends CallOptions, GrpcDefaultCallOptions {
  /** This call is safe to replay (overrides the method's setting). */
  idempotent?: boolean;
}
