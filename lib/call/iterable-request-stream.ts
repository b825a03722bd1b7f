import type { RequestSink, RequestSource } from './request-source.js';

/**
 * Messages read in a row without the event loop getting a turn. A source
 * that never has to wait (an endless array-like iterator, an async generator
 * without an await) would otherwise be read until HTTP/2's own buffer is
 * full, 131,000 small messages (about 1 MB) in one go, while timers,
 * deadlines and aborts wait.
 */
const MESSAGES_PER_TURN = 256;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A request stream the call pulls from an `AsyncIterable` or `Iterable`:
 * nothing is read before the call is on the wire, and the next message is
 * read only while the connection takes more (a `write()` that returns false
 * waits for 'drain'), so a fast producer is held to the pace of HTTP/2 flow
 * control instead of filling memory.
 */
export class IterableRequestStream<T> implements RequestSource<T> {
  private iterator: Iterator<T> | AsyncIterator<T> | undefined;
  private stopped = false;
  /** Ends a wait for 'drain' when the call stops first. */
  private wake: (() => void) | undefined;

  constructor(private readonly source: AsyncIterable<T> | Iterable<T>) {}

  static isStream(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
    if (typeof value !== 'object' || value === null) return false;
    return Symbol.asyncIterator in value || Symbol.iterator in value;
  }

  attach(sink: RequestSink<T>): void {
    void this.pump(sink);
  }

  unsubscribe(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    const iterator = this.iterator;
    this.iterator = undefined;
    // The source is left early (the call ended first): let a generator run its finally blocks.
    try {
      const closing = iterator?.return?.();
      if (closing instanceof Promise) closing.catch(() => undefined);
    } catch {
      // A source that fails to close has nothing left to tell this call.
    }
  }

  private async pump(sink: RequestSink<T>): Promise<void> {
    const asynchronous = Symbol.asyncIterator in this.source;
    try {
      this.iterator = asynchronous
        ? (this.source as AsyncIterable<T>)[Symbol.asyncIterator]()
        : (this.source as Iterable<T>)[Symbol.iterator]();
      const iterator = this.iterator;
      let inThisTurn = 0;
      while (!this.stopped) {
        const result = asynchronous
          ? await iterator.next()
          : (iterator.next() as IteratorResult<T>);
        if (this.stopped) return;
        if (result.done) {
          this.iterator = undefined;
          return sink.end();
        }
        if (!sink.write(result.value)) await this.drained(sink);
        // 'drain' comes on process.nextTick while grpc-js hands writes to HTTP/2 at once: waiting
        // for it is no turn of the event loop, so messages are counted across drains too.
        if (++inThisTurn >= MESSAGES_PER_TURN) {
          await nextTurn();
          inThisTurn = 0;
        }
      }
    } catch (error: unknown) {
      this.iterator = undefined;
      if (!this.stopped) sink.fail(error);
    }
  }

  private drained(sink: RequestSink<T>): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      sink.whenDrained(() => {
        this.wake = undefined;
        resolve();
      });
    });
  }
}
