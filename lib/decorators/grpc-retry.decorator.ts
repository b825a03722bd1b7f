import { SetMetadata } from '@nestjs/common';
import { GRPC_RETRY_METADATA } from './handler-metadata-keys.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import { retryOptionProblem } from '../options/validate-client-options.js';

/**
 * Declares a handler (or every handler of a controller) idempotent and lets
 * `GrpcRetryInterceptor` re-run it when it fails with a retryable gRPC
 * status. Options as the pool's `retry` (defaults: 3 attempts, 100 ms
 * initial backoff, UNAVAILABLE only). Only put it on handlers that are safe
 * to run twice.
 * @publicApi
 */
export const GrpcRetry = (options: GrpcRetryOptions = {}): MethodDecorator & ClassDecorator => {
  // A bad option fails when the class is declared, not on the first failure.
  const problem = retryOptionProblem('@GrpcRetry(options)', options);
  if (problem !== undefined) throw new TypeError(problem);
  return SetMetadata(GRPC_RETRY_METADATA, options);
};
