// Reflect-metadata keys the decorators write on a handler and the
// interceptors read back. They live with the decorators that define them, so
// neither folder reaches up to a root file for them.

/**
 * Metadata key of `@GrpcTimeout(ms)`.
 * @internal
 */
export const GRPC_TIMEOUT_METADATA = 'nestjs-grpc-pool:timeout';

/**
 * Metadata key of `@GrpcRetry(options)`.
 * @internal
 */
export const GRPC_RETRY_METADATA = 'nestjs-grpc-pool:retry';
