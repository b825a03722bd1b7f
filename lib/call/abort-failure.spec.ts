import { status } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { GrpcCallAbortedError } from '../errors/call-aborted.error.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { InboundDeadlinePassed } from '../context/inbound-call-end.js';
import { abortFailure } from './abort-failure.js';

const METHOD = '/orders.v1.Orders/Get';

describe('abortFailure: what a call fails with when its signal aborts', () => {
  it("is DEADLINE_EXCEEDED when the inbound call's deadline passed", () => {
    const error = abortFailure(METHOD, new InboundDeadlinePassed(), 'while it ran');
    expect(error).toBeInstanceOf(GrpcPoolCallError);
    expect(error).not.toBeInstanceOf(GrpcCallAbortedError);
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toBe(
      `Deadline exceeded for ${METHOD} while it ran: the deadline of the inbound gRPC call it was made for passed`,
    );
  });

  it('keeps the deadline through AbortSignal.any (a call that has its own signal too)', () => {
    const inbound = new AbortController();
    const own = new AbortController();
    inbound.abort(new InboundDeadlinePassed());
    const signal = AbortSignal.any([own.signal, inbound.signal]);
    expect(abortFailure(METHOD, signal.reason, 'before it was sent').code).toBe(
      status.DEADLINE_EXCEEDED,
    );
  });

  it('is a CANCELLED AbortError for any other reason', () => {
    for (const reason of [
      new Error('the inbound gRPC call was cancelled by its client'),
      new DOMException('This operation was aborted', 'AbortError'),
      'stop',
      undefined,
    ]) {
      const error = abortFailure(METHOD, reason, 'while it ran');
      expect(error).toBeInstanceOf(GrpcCallAbortedError);
      expect(error.code).toBe(status.CANCELLED);
    }
  });
});
