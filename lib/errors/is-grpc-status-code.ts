import { status } from '@grpc/grpc-js';

/** The highest code gRPC defines (UNAUTHENTICATED). */
const LAST_GRPC_CODE = status.UNAUTHENTICATED;

/**
 * Whether `code` is one of gRPC's 17 status codes: an integer in 0..16.
 * grpc-js hands on whatever `Number()` made of a `grpc-status` trailer
 * (`NaN`, `-1`, `2.5`, `50000000`), so anything indexed or labelled by a
 * code checks it first.
 */
export function isGrpcStatusCode(code: number): code is status {
  return Number.isInteger(code) && code >= status.OK && code <= LAST_GRPC_CODE;
}
