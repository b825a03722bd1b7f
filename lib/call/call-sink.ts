import type { Metadata, ServiceError, status } from '@grpc/grpc-js';
import type { AsyncResource } from 'node:async_hooks';

/**
 * What a started attempt reports back to the pooled call that owns it. The
 * sink is also the call's async context: each grpc-js event enters it once,
 * through `runInAsyncScope`, and the methods below run inside.
 */
export interface CallSink<T> extends Pick<AsyncResource, 'runInAsyncScope'> {
  next(message: T): void;
  /** The caller asked for response headers and trailers (`onHeader`, `onTrailer`). */
  readonly wantsResponseMetadata: boolean;
  /** The attempt's response headers arrived (called outside the call's scope: it enters it when it must). */
  headersArrived(headers: Metadata): void;
  /** The attempt's trailers, before `settled`; reported only when `wantsResponseMetadata`. */
  trailersArrived(trailers: Metadata): void;
  /** The attempt's final status arrived: the slot is freed here, whatever the outcome. */
  ended(code: status, details: string): void;
  /**
   * The attempt's outcome, once, after every message it delivered: `null`
   * when its status was OK. A call completes only from here.
   */
  settled(error: ServiceError | null): void;
  /** The caller's request stream broke while the attempt was open. */
  requestsFailed(error: unknown): void;
}

/** The part of a grpc-js call the pooled call needs to stop it, and to pause a response stream. */
export interface CancellableCall {
  cancel(): void;
  pause?(): void;
  resume?(): void;
}
