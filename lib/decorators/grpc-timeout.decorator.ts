import { SetMetadata } from '@nestjs/common';
import { GRPC_TIMEOUT_METADATA } from './handler-metadata-keys.js';
import { MAX_DURATION_MS, tooLong } from '../options/option-rules.js';

/**
 * Gives a handler (or every handler of a controller) a time budget in ms,
 * enforced by `GrpcTimeoutInterceptor`: pooled calls the handler makes take
 * what is left of it as their deadline.
 * @publicApi
 */
export const GrpcTimeout = (ms: number): MethodDecorator & ClassDecorator => {
  if (!Number.isInteger(ms) || ms < 1) {
    throw new TypeError(`@GrpcTimeout(ms): ms must be an integer >= 1 (got ${String(ms)})`);
  }
  // A longer budget's timer would fire after 1 ms: the handler would time out at once.
  if (ms > MAX_DURATION_MS) throw new TypeError(`@GrpcTimeout(ms): ms ${tooLong(ms)}`);
  return SetMetadata(GRPC_TIMEOUT_METADATA, ms);
};
