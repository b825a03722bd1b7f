import type { Metadata, status } from '@grpc/grpc-js';

/** What a call interceptor sees of one attempt of a call. @publicApi */
export interface GrpcCallContext {
  /** The pool's name. */
  readonly pool: string;
  /** The full method path, e.g. `/orders.v1.OrdersService/GetOrder`. */
  readonly method: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** This attempt's outgoing metadata: add headers (a bearer token, a trace id) here. */
  readonly metadata: Metadata;
  /** The call's deadline in epoch ms, if it has one. */
  readonly deadline: number | undefined;
}

/** How an attempt ended. @publicApi */
export interface GrpcCallOutcome {
  readonly code: status;
  readonly details: string;
  readonly durationMs: number;
}

/**
 * Middleware around each attempt of a pooled call. Give instances, or
 * classes that Nest resolves from the container (so they can inject
 * services), in the client's `interceptors`; or instances per call in
 * `options.interceptors` (next to native grpc-js interceptors, which are
 * functions). They run in order, inside the deadline and retry layers: each
 * attempt runs them again.
 * @publicApi
 */
export interface GrpcCallInterceptor {
  /**
   * Before an attempt is sent. Add metadata here. Throw (or reject) to fail
   * the call without sending it: a gRPC-shaped error keeps its code, any
   * other error fails it with UNKNOWN.
   */
  beforeAttempt?(call: GrpcCallContext): void | Promise<void>;
  /** After an attempt ended, with its status and duration. Errors thrown here are ignored. */
  afterAttempt?(call: GrpcCallContext, outcome: GrpcCallOutcome): void;
}
