import { Metadata, status } from '@grpc/grpc-js';
import type { GrpcStatusDetailInput } from '../interfaces/status-details.interface.js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from './status-details-codec.js';

/** What `grpcStatusError()` takes. @publicApi */
export interface GrpcStatusErrorOptions {
  /** A gRPC status code other than OK. */
  code: status;
  /** The status message clients see as `details`. */
  message: string;
  /** Standard `google.rpc` details (`BadRequest`, `RetryInfo`, ...), or `{ '@type', value }` for others. */
  details?: readonly GrpcStatusDetailInput[];
  /** More trailers to send; the details are added to a copy. */
  metadata?: Metadata;
}

/** A server error as grpc-js sends it: its trailers carry the encoded details. @publicApi */
export interface GrpcStatusError {
  code: status;
  message: string;
  details: string;
  metadata: Metadata;
}

/**
 * A gRPC error with rich details for a server to send: pass it to a grpc-js
 * handler's callback (`callback(grpcStatusError(...))`), emit it on a
 * stream, or throw it from a Nest handler as `new RpcException(grpcStatusError(...))`.
 * The details go in the `grpc-status-details-bin` trailer as a
 * `google.rpc.Status`; clients of this pool find them on `error.statusDetails`.
 *
 * @example
 * throw new RpcException(grpcStatusError({
 *   code: status.INVALID_ARGUMENT,
 *   message: 'invalid order',
 *   details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest',
 *     fieldViolations: [{ field: 'quantity', description: 'must be at least 1' }] }],
 * }));
 * @publicApi
 */
export function grpcStatusError(options: GrpcStatusErrorOptions): GrpcStatusError {
  const { code, message, details = [] } = options;
  if (!Number.isInteger(code) || code <= status.OK || code > status.UNAUTHENTICATED) {
    throw new TypeError(
      `grpcStatusError: code must be a gRPC status code other than OK (got ${code})`,
    );
  }
  if (!Array.isArray(details)) {
    throw new TypeError(`grpcStatusError: details must be an array of { '@type', ... } objects`);
  }
  const metadata = options.metadata?.clone() ?? new Metadata();
  if (details.length > 0)
    metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails(code, message, details));
  return { code, message, details: message, metadata };
}
