import type { ServiceError } from '@grpc/grpc-js';
import type { CallObserver } from '../../call/call-observer.js';
import type { PooledCall } from '../../call/pooled-call.js';

/** A single-response call's outcome as a promise: its one response, or its error. */
export class PromiseObserver implements CallObserver<object> {
  closed = false;
  private response: object | undefined;
  private call: PooledCall | undefined;

  constructor(
    private readonly resolve: (response: object) => void,
    private readonly reject: (error: ServiceError) => void,
  ) {}

  /** The call it observes; a call that ended before it was handed over is torn down now. */
  attach(call: PooledCall | undefined): void {
    if (this.closed) call?.unsubscribe();
    else this.call = call;
  }

  next(response: object): void {
    this.response = response;
  }

  complete(): void {
    this.closed = true;
    this.resolve(this.response!);
    this.call?.unsubscribe();
  }

  error(error: ServiceError): void {
    this.closed = true;
    this.reject(error);
    this.call?.unsubscribe();
  }
}
