import { status, type ServiceError } from '@grpc/grpc-js';

/**
 * A gRPC failure: grpc-js `ServiceError`s and the pool's own
 * `GrpcPoolCallError`s (an Error with a known status code and details).
 * @publicApi
 */
export function isGrpcServiceError(value: unknown): value is ServiceError {
  if (!(value instanceof Error)) return false;
  const { code, details } = value as Partial<ServiceError>;
  return typeof code === 'number' && status[code] !== undefined && typeof details === 'string';
}
