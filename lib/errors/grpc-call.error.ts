import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { GrpcPoolError } from './grpc-pool.error.js';

/**
 * A call failed inside the pool before or instead of reaching the server
 * (queue full, pool closed, bad call option). It has the grpc-js
 * `ServiceError` shape, so code that checks `err.code` treats it like any
 * other gRPC failure.
 * @publicApi
 */
export class GrpcPoolCallError extends GrpcPoolError implements ServiceError {
  readonly metadata = new Metadata();

  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(`${code} ${status[code]}: ${details}`);
  }
}
