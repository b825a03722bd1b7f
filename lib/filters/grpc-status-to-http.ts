import { HttpStatus } from '@nestjs/common';
import { status } from '@grpc/grpc-js';

/**
 * The HTTP status a gateway should answer for a gRPC status, following the
 * mapping grpc-gateway and Google APIs use. Anything not listed is a 500.
 */
const HTTP_BY_GRPC: Partial<Record<status, HttpStatus>> = {
  [status.OK]: HttpStatus.OK,
  [status.INVALID_ARGUMENT]: HttpStatus.BAD_REQUEST,
  [status.FAILED_PRECONDITION]: HttpStatus.BAD_REQUEST,
  [status.OUT_OF_RANGE]: HttpStatus.BAD_REQUEST,
  [status.UNAUTHENTICATED]: HttpStatus.UNAUTHORIZED,
  [status.PERMISSION_DENIED]: HttpStatus.FORBIDDEN,
  [status.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [status.ALREADY_EXISTS]: HttpStatus.CONFLICT,
  [status.ABORTED]: HttpStatus.CONFLICT,
  [status.RESOURCE_EXHAUSTED]: HttpStatus.TOO_MANY_REQUESTS,
  [status.UNIMPLEMENTED]: HttpStatus.NOT_IMPLEMENTED,
  [status.UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [status.DEADLINE_EXCEEDED]: HttpStatus.GATEWAY_TIMEOUT,
};

/** @publicApi */
export function httpStatusForGrpc(code: status): HttpStatus {
  return HTTP_BY_GRPC[code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
}
