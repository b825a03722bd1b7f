import { status, type ServiceError } from '@grpc/grpc-js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { isGrpcServiceError } from '../errors/is-grpc-service-error.js';

/**
 * Keeps gRPC errors as they are. Anything else (a request stream that
 * errored, a synchronous throw) becomes a ServiceError-shaped error, so
 * callers can always read `err.code`.
 */
export function asServiceError(error: unknown, code = status.CANCELLED): ServiceError {
  if (isGrpcServiceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GrpcPoolCallError(code, message);
}
