import type { CallOptions, Interceptor, Metadata } from '@grpc/grpc-js';
import type { GrpcCallInterceptor } from './call-interceptor.interface.js';
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
export interface GrpcPoolCallOptions
  extends Omit<CallOptions, 'interceptors'>, GrpcDefaultCallOptions {
  /**
   * Native grpc-js interceptors (functions) and call interceptors (objects)
   * for this call; call interceptors run after the client's.
   */
  interceptors?: (Interceptor | GrpcCallInterceptor)[];
  /** This call is safe to replay (overrides the method's setting). */
  idempotent?: boolean;
  /**
   * Called once with the response headers (initial metadata) of the attempt
   * whose result is delivered, when the server sends them. Default: none.
   */
  onHeader?: (metadata: Metadata) => void;
  /**
   * Called once with the response trailers (trailing metadata) of the
   * attempt whose result is delivered, on success and on failure alike.
   * Default: none.
   */
  onTrailer?: (metadata: Metadata) => void;
  /**
   * Aborting it cancels the call on the wire, frees its slot at once and
   * fails the call (CANCELLED, `name` `'AbortError'`); an already aborted
   * signal sends nothing. Default: none.
   */
  signal?: AbortSignal;
}
