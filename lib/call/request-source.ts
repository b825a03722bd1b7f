/** Where a request stream's messages go once the call is on the wire. */
export interface RequestSink<T> {
  /** False when the connection's buffer is full: a source that can wait should, until `whenDrained`. */
  write(message: T): boolean;
  end(): void;
  fail(error: unknown): void;
  /** Calls `resume` once what was written has drained, in the call's async context. */
  whenDrained(resume: () => void): void;
}

/**
 * A call's request stream, whatever the caller passed: an Observable (which
 * pushes) or an iterable (which the call pulls, only as fast as the
 * connection drains). It feeds the sink the attempt attaches.
 */
export interface RequestSource<T> {
  attach(sink: RequestSink<T>): void;
  /** The call ended: stop reading the source and release it. */
  unsubscribe(): void;
}
