import { status, type ServiceError } from '@grpc/grpc-js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/**
 * Keeps gRPC errors as they are. Anything else (a request stream that
 * errored, a synchronous throw) becomes a ServiceError-shaped error, so
 * callers can always read `err.code`.
 */
export function asServiceError(error: unknown, code = status.CANCELLED): ServiceError {
  if (isServiceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GrpcPoolCallError(code, message);
}
