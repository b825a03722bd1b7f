/**
 * Token of the shared defaults set by `GrpcPoolModule.forRoot`. Only the root
 * module files use it; the handler metadata keys live in
 * `decorators/handler-metadata-keys.ts`.
 * @internal
 */
export const GRPC_POOL_DEFAULTS = Symbol('GRPC_POOL_DEFAULTS');
