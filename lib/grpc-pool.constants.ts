/**
 * Token of the shared defaults set by `GrpcPoolModule.forRoot`.
 * @internal
 */
export const GRPC_POOL_DEFAULTS = Symbol('GRPC_POOL_DEFAULTS');

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
