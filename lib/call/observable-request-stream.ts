import { isObservable, type Observable, type Subscription } from 'rxjs';
import type { RequestSink, RequestSource } from './request-source.js';

/**
 * Subscribes to a call's request Observable at once and holds what it emits
 * until the call has a slot, so a hot source (a Subject) loses nothing while
 * the call waits in the pool's queue. An Observable cannot be told to wait:
 * once on the wire, its messages go straight to grpc-js, which buffers them.
 */
export class ObservableRequestStream<T> implements RequestSource<T> {
  private readonly held: T[] = [];
  private sink: RequestSink<T> | undefined;
  private ended: { error?: unknown } | undefined;
  private readonly subscription: Subscription;

  constructor(
    source: Observable<T>,
    /** A failure before the call started: the caller fails the call without waiting. */
    onEarlyError: (error: unknown) => void,
  ) {
    this.subscription = source.subscribe({
      next: (message) => (this.sink ? this.sink.write(message) : this.held.push(message)),
      error: (error: unknown) => (this.sink ? this.sink.fail(error) : onEarlyError(error)),
      complete: () => (this.sink ? this.sink.end() : (this.ended = {})),
    });
  }

  static isStream(value: unknown): value is Observable<unknown> {
    return isObservable(value);
  }

  attach(sink: RequestSink<T>): void {
    for (const message of this.held.splice(0)) sink.write(message);
    if (this.ended !== undefined) sink.end();
    else this.sink = sink;
  }

  unsubscribe(): void {
    this.sink = undefined;
    this.subscription.unsubscribe();
  }
}
