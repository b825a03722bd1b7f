import type { ServiceError } from '@grpc/grpc-js';

/**
 * Where a call delivers what it got: responses, then exactly one of
 * `complete` or `error`. rxjs's `Subscriber` is one (the Observable facade);
 * the async facade brings a promise's or an iterator's. After either end the
 * facade must call the call's `unsubscribe()`, as rxjs does, so the call is
 * struck from the register a drain waits on.
 */
export interface CallObserver<T> {
  /** The caller stopped listening: nothing more is delivered or started. */
  readonly closed: boolean;
  next(value: T): void;
  error(error: ServiceError): void;
  complete(): void;
}
