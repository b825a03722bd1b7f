import type { ServiceError, StatusObject } from '@grpc/grpc-js';

/** What a started call reports back to the pooled call that owns it. */
export interface CallSink<T> {
  next(message: T): void;
  error(error: ServiceError | Error): void;
  complete(): void;
  /** The call's final status: the slot is freed here, whatever the outcome. */
  status(status: StatusObject): void;
}

/** The part of a grpc-js call the pooled call needs to stop it. */
export interface CancellableCall {
  cancel(): void;
}
