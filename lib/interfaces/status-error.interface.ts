import type { Metadata, status } from '@grpc/grpc-js';
import type { GrpcStatusDetailInput } from './status-details.interface.js';

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
