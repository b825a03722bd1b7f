/**
 * How far before its deadline a cancel still counts as the deadline, at most.
 * grpc-js times a deadline on libuv's loop clock, which can trail `Date.now()`
 * by the work its loop turn did before the timer was set (more on a loaded
 * machine), and a client's reset at its own deadline reaches the server early
 * by the request's transit time. A cancel that close to the deadline is
 * indistinguishable from it, and the pooled calls would reach theirs within
 * this margin anyway.
 * @internal exported for the tests
 */
export const INBOUND_DEADLINE_TOLERANCE_MS = 100;

/**
 * A short deadline gets a quarter of its time as tolerance, no more: with a
 * 50 ms deadline, a cancel 10 ms in is the client's cancel, not the deadline.
 */
const TOLERANCE_SHARE = 4;

/** How early an end may come and still be the deadline of a call watched since `since`. */
function deadlineTolerance(deadline: number, since: number): number {
  return Math.min(INBOUND_DEADLINE_TOLERANCE_MS, Math.max(0, deadline - since) / TOLERANCE_SHARE);
}

/**
 * The reason the pooled calls of an inbound gRPC call are aborted with when
 * that call's deadline passed: they fail with DEADLINE_EXCEEDED, as they
 * would have by their own (inherited) deadline a moment later.
 */
export class InboundDeadlinePassed extends Error {
  constructor() {
    super('the deadline of the inbound gRPC call it was made for passed');
    // As `AbortSignal.timeout()`'s reason is named.
    this.name = 'TimeoutError';
  }
}

/**
 * Why an inbound gRPC call ended while its handler ran. grpc-js emits the
 * same 'cancelled' on the server call for both ends: its own deadline timer
 * sends DEADLINE_EXCEEDED and closes the stream, and a client resets the
 * stream (RST_STREAM CANCEL) alike when it cancels and when its deadline
 * passes. Only the clock against the call's deadline tells them apart;
 * `since` is when the handler began watching the call.
 */
export function inboundCallEnd(deadline: number, now: number, since: number): Error {
  if (now >= deadline - deadlineTolerance(deadline, since)) return new InboundDeadlinePassed();
  return new Error('the inbound gRPC call was cancelled by its client');
}
