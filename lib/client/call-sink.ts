import type { ServiceError, status } from '@grpc/grpc-js';

/** What a started call reports back to the pooled call that owns it. */
export interface CallSink<T> {
  next(message: T): void;
  error(error: ServiceError | Error): void;
  complete(): void;
  /** The call's final status code: the slot is freed here, whatever the outcome. */
  ended(code: status, details: string): void;
}

/** The part of a grpc-js call the pooled call needs to stop it. */
export interface CancellableCall {
  cancel(): void;
}
