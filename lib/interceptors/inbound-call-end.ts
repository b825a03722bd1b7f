/**
 * How far before its deadline a cancel still counts as the deadline. grpc-js
 * times a deadline on libuv's loop clock, which can trail `Date.now()` by the
 * work its loop turn did before the timer was set (more on a loaded machine),
 * so its deadline can fire that much early by the wall clock. A client's
 * cancel that close to its deadline is indistinguishable from the deadline,
 * and the pooled calls would reach theirs within this margin anyway.
 */
export const INBOUND_DEADLINE_TOLERANCE_MS = 100;

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
 * passes. Only the clock against the call's deadline tells them apart.
 */
export function inboundCallEnd(deadline: number, now: number): Error {
  if (now >= deadline - INBOUND_DEADLINE_TOLERANCE_MS) return new InboundDeadlinePassed();
  return new Error('the inbound gRPC call was cancelled by its client');
}
