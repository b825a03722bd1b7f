import { HttpStatus } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { httpStatusForGrpc } from './grpc-status-to-http.js';
import { serverErrorText } from './server-error-text.js';

/**
 * How the filter answers a failure the pool made itself (`GrpcPoolCallError`:
 * queue full, pool closed, a bad call option). These are the gateway's own
 * faults, not the upstream service's answer and not the HTTP client's, and
 * their details name internals (limits, option names, the pool's name).
 */
const POOL_TEXT_BY_GRPC: Partial<Record<status, string>> = {
  [status.RESOURCE_EXHAUSTED]: 'upstream service overloaded',
  [status.INVALID_ARGUMENT]: 'upstream call could not be made',
};

/**
 * RESOURCE_EXHAUSTED keeps its 429 (the client may retry later). Any other
 * 4xx status the pool sets (INVALID_ARGUMENT: a bad call the gateway's own
 * code made) is a 500: the HTTP client did nothing wrong.
 */
export function httpStatusForPoolError(code: status): HttpStatus {
  const mapped = httpStatusForGrpc(code);
  if (code === status.RESOURCE_EXHAUSTED || mapped >= 500) return mapped;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

export function poolErrorText(code: status): string {
  return POOL_TEXT_BY_GRPC[code] ?? serverErrorText(code);
}
