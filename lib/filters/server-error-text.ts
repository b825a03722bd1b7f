import { status } from '@grpc/grpc-js';

/**
 * What a client is told for a gRPC failure that maps to a 5xx. The server's
 * details for those are about the transport or its internals (`connect
 * ECONNREFUSED 10.0.0.7:50051`, stack traces), not messages meant for the
 * caller.
 */
const TEXT_BY_GRPC: Partial<Record<status, string>> = {
  [status.UNAVAILABLE]: 'upstream service unavailable',
  [status.DEADLINE_EXCEEDED]: 'upstream service timed out',
  [status.UNIMPLEMENTED]: 'not implemented by the upstream service',
  [status.CANCELLED]: 'upstream call cancelled',
};

export function serverErrorText(code: status): string {
  return TEXT_BY_GRPC[code] ?? 'upstream service error';
}
