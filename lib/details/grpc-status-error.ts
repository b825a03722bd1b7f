import { Metadata, status } from '@grpc/grpc-js';
import type {
  GrpcStatusError,
  GrpcStatusErrorOptions,
} from '../interfaces/status-error.interface.js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from './status-details-codec.js';

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
