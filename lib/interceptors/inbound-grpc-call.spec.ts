import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  INBOUND_DEADLINE_TOLERANCE_MS,
  InboundDeadlinePassed,
} from '../context/inbound-call-end.js';
import { watchCancellation, type InboundGrpcCall } from './inbound-grpc-call.js';

const START = 1_000_000;
const TIMEOUT_MS = 1000;

/** A server call as grpc-js 1.14 shows it: 'cancelled' is emitted with `cancelled` already set. */
class ServerCallDouble extends EventEmitter implements InboundGrpcCall {
  cancelled = false;

  constructor(readonly deadline: number) {
    super();
  }

  end(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

/** Lets `ms` pass, then the inbound call ends (its client's reset, or grpc-js's own deadline). */
function endAfter(ms: number, deadline = START + TIMEOUT_MS): AbortSignal {
  const call = new ServerCallDouble(deadline);
  const { signal } = watchCancellation(call);
  jest.advanceTimersByTime(ms);
  call.end();
  return signal;
}

// grpc-js emits the same 'cancelled' for a client's cancel and for the deadline: the clock
// against the inbound deadline decides which one the pooled calls are aborted with.
describe('watchCancellation: a cancel or the deadline (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: START });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('aborts with the deadline when the call ends at its deadline or after it', () => {
    expect(endAfter(TIMEOUT_MS).reason).toBeInstanceOf(InboundDeadlinePassed);
    expect(endAfter(TIMEOUT_MS + 5_000).reason).toBeInstanceOf(InboundDeadlinePassed);
  });

  it(`counts an end up to ${INBOUND_DEADLINE_TOLERANCE_MS} ms early as the deadline (a client's reset at its own)`, () => {
    const signal = endAfter(TIMEOUT_MS - INBOUND_DEADLINE_TOLERANCE_MS);
    expect(signal.reason).toBeInstanceOf(InboundDeadlinePassed);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts as a cancel by the client when the call ends any earlier', () => {
    const reason = endAfter(TIMEOUT_MS - INBOUND_DEADLINE_TOLERANCE_MS - 1).reason as Error;
    expect(reason).not.toBeInstanceOf(InboundDeadlinePassed);
    expect(reason.message).toBe('the inbound gRPC call was cancelled by its client');
  });

  it('gives a short deadline a quarter of its time as tolerance: a cancel 10 ms into 50 ms is a cancel', () => {
    // Each end is of a fresh inbound call with 50 ms to go (the fake clock moves on between them).
    const shortDeadline = (): number => Date.now() + 50;
    const cancel = endAfter(10, shortDeadline()).reason as Error;
    expect(cancel).not.toBeInstanceOf(InboundDeadlinePassed);
    expect(cancel.message).toBe('the inbound gRPC call was cancelled by its client');
    // 12.5 ms is a quarter of 50: 13 ms early is a cancel, 12 ms early the deadline.
    expect(endAfter(37, shortDeadline()).reason).not.toBeInstanceOf(InboundDeadlinePassed);
    expect(endAfter(38, shortDeadline()).reason).toBeInstanceOf(InboundDeadlinePassed);
  });

  it('aborts as a cancel whenever a call without a deadline ends', () => {
    const reason = endAfter(24 * 3600_000, Infinity).reason as Error;
    expect(reason).not.toBeInstanceOf(InboundDeadlinePassed);
  });

  it('aborts at once, with the deadline, for a call that had already ended by it', () => {
    const call = new ServerCallDouble(START - 1);
    call.cancelled = true;
    const { signal } = watchCancellation(call);
    expect(signal.reason).toBeInstanceOf(InboundDeadlinePassed);
  });

  it('stops listening once released', () => {
    const call = new ServerCallDouble(START + TIMEOUT_MS);
    const { signal, release } = watchCancellation(call);
    release();
    expect(call.listenerCount('cancelled')).toBe(0);
    call.end();
    expect(signal.aborted).toBe(false);
  });
});
