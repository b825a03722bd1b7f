import { status, type ServiceError } from '@grpc/grpc-js';
import { GrpcCallAbortedError, type AbortedWhen } from '../errors/call-aborted.error.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { InboundDeadlinePassed } from '../context/inbound-call-end.js';

/**
 * What a call fails with when its signal aborts. An abort because the inbound
 * gRPC call it was made for reached its deadline is that deadline, inherited:
 * DEADLINE_EXCEEDED (and counted as one), as the call's own timer would have
 * ended it. Any other reason is a cancel: CANCELLED, an `AbortError`.
 */
export function abortFailure(method: string, reason: unknown, when: AbortedWhen): ServiceError {
  if (reason instanceof InboundDeadlinePassed) {
    return new GrpcPoolCallError(
      status.DEADLINE_EXCEEDED,
      `Deadline exceeded for ${method} ${when}: ${reason.message}`,
    );
  }
  return new GrpcCallAbortedError(method, reason, when);
}
