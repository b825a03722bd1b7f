import type { ServiceError } from '@grpc/grpc-js';
import type { CallObserver } from '../../call/call-observer.js';
import type { PooledCall } from '../../call/pooled-call.js';
import { GrpcCallAbortedError } from '../../errors/call-aborted.error.js';

/** Responses held for a slower consumer before the call stops reading (grpc-js holds 16 more). */
const HIGH_WATER = 16;
/** Reading resumes once the consumer has taken the held responses down to this. */
const LOW_WATER = 4;

interface Waiter {
  resolve(result: IteratorResult<object>): void;
  reject(error: ServiceError): void;
}

const DONE: IteratorResult<object> = Object.freeze({ value: undefined, done: true });

/**
 * A response stream as an async iterator. The call starts at the first
 * `next()` (as an async generator's body would), delivers its responses in
 * order, then ends the iteration on OK or rejects with the call's error.
 * A consumer slower than the server stops the call reading once
 * `HIGH_WATER` responses wait, so HTTP/2 flow control holds the server
 * instead of memory; `return()` (a `break` out of `for await`) cancels it.
 *
 * Responses that arrived before a failure from the call (a status, a
 * deadline) are delivered before its error, as grpc-js and nice-grpc do.
 * An abort of the caller's signal is the caller's own stop, like a `break`:
 * what is held is dropped and the next `next()` rejects with the
 * AbortError, as `getService()` delivers nothing after the abort.
 */
export class ResponseIterator implements AsyncIterableIterator<object> {
  /** The call's side. Kept apart, so a consumer's `next(value)` can never pose as a response. */
  private readonly observer: CallObserver<object> & { closed: boolean } = {
    closed: false,
    next: (response) => this.received(response),
    error: (error) => this.finish({ error }),
    complete: () => this.finish({}),
  };
  private readonly held: object[] = [];
  private readonly waiters: Waiter[] = [];
  private call: PooledCall | undefined;
  private started = false;
  private paused = false;
  /** The call's outcome, once it has one: `error` until it is delivered. */
  private outcome: { error?: ServiceError } | undefined;

  constructor(private readonly start: (observer: CallObserver<object>) => PooledCall | undefined) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<object>> {
    if (!this.started) this.begin();
    if (this.held.length > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.outcome === undefined) {
      return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    const { error } = this.outcome;
    if (error === undefined) return Promise.resolve(DONE);
    // Rejected once; the iteration is over after that.
    this.outcome = {};
    return Promise.reject(error);
  }

  /** `break` out of `for await`, or the consumer gave up: the call is cancelled on the wire. */
  return(): Promise<IteratorResult<object>> {
    this.stop();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<object>> {
    this.stop();
    return Promise.reject(error);
  }

  private begin(): void {
    this.started = true;
    const call = this.start(this.observer);
    // It failed at once (a bad option, a closed pool, an aborted signal): nothing to keep.
    if (this.outcome !== undefined) call?.unsubscribe();
    else this.call = call;
  }

  private received(response: object): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) return waiter.resolve({ value: response, done: false });
    this.held.push(response);
    if (!this.paused && this.held.length >= HIGH_WATER) {
      this.paused = true;
      this.call?.pauseResponses();
    }
  }

  private take(): object {
    const response = this.held.shift()!;
    if (this.paused && this.held.length <= LOW_WATER) {
      this.paused = false;
      this.call?.resumeResponses();
    }
    return response;
  }

  private finish(outcome: { error?: ServiceError }): void {
    if (this.outcome !== undefined) return;
    if (outcome.error instanceof GrpcCallAbortedError) this.held.length = 0;
    this.outcome = outcome;
    this.observer.closed = true;
    // Waiters exist only while nothing is held: the outcome is theirs at once.
    for (const waiter of this.waiters.splice(0)) {
      if (this.outcome.error === undefined) waiter.resolve(DONE);
      else {
        waiter.reject(this.outcome.error);
        this.outcome = {};
      }
    }
    this.call?.unsubscribe();
    this.call = undefined;
  }

  private stop(): void {
    this.started = true;
    this.held.length = 0;
    const call = this.call;
    this.call = undefined;
    this.finish({});
    // Cancelled by the consumer: the call counts as CANCELLED and its slot is freed.
    call?.unsubscribe();
  }
}
