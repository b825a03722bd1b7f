import { status, type ServiceError } from '@grpc/grpc-js';

/**
 * A gRPC failure: grpc-js `ServiceError`s and the pool's own
 * `GrpcPoolCallError`s (an Error with a known status code and details).
 * An error with code OK (0) is not one: no failure has that status, and an
 * HTTP filter would otherwise answer it 200.
 * @publicApi
 */
export function isGrpcServiceError(value: unknown): value is ServiceError {
  if (!(value instanceof Error)) return false;
  const { code, details } = value as Partial<ServiceError>;
  return (
    typeof code === 'number' &&
    code !== status.OK &&
    status[code] !== undefined &&
    typeof details === 'string'
  );
}
