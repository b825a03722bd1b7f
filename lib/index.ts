export { GrpcPoolModule } from './grpc-pool.module.js';
export { GrpcPool } from './client/grpc-pool.js';
export { InjectGrpcPool } from './decorators/inject-grpc-pool.decorator.js';
export { GrpcTimeout } from './decorators/grpc-timeout.decorator.js';
export { GrpcTimeoutInterceptor } from './interceptors/grpc-timeout.interceptor.js';
export { GrpcRetry } from './decorators/grpc-retry.decorator.js';
export { GrpcRetryInterceptor } from './interceptors/grpc-retry.interceptor.js';
export { GrpcPoolHealthIndicator } from './health/grpc-pool-health.indicator.js';
export { GrpcPoolError } from './errors/grpc-pool.error.js';
export { GrpcPoolStartupError } from './errors/startup.error.js';
export { GrpcPoolOptionsError } from './errors/invalid-options.error.js';
export { GrpcUnknownServiceError } from './errors/unknown-service.error.js';
export { GrpcPoolCallError } from './errors/grpc-call.error.js';
export { GrpcCallAbortedError } from './errors/call-aborted.error.js';
export { isGrpcServiceError } from './errors/is-grpc-service-error.js';
export { statusDetailsOf } from './details/attach-status-details.js';
export { grpcStatusError } from './details/grpc-status-error.js';
export type {
  GrpcStatusError,
  GrpcStatusErrorOptions,
} from './interfaces/status-error.interface.js';
export type * from './interfaces/status-details.interface.js';
export { GrpcToHttpExceptionFilter } from './filters/grpc-to-http-exception.filter.js';
export type { GrpcHttpErrorBody } from './interfaces/http-error-body.interface.js';
export { httpStatusForGrpc } from './filters/grpc-status-to-http.js';
export type { GrpcToHttpExceptionFilterOptions } from './interfaces/http-filter-options.interface.js';
export type {
  GrpcPoolCallOptions,
  GrpcDefaultCallOptions,
} from './interfaces/call-options.interface.js';
export type {
  GrpcCallContext,
  GrpcCallInterceptor,
  GrpcCallOutcome,
} from './interfaces/call-interceptor.interface.js';
export type { PooledService } from './interfaces/pooled-service.interface.js';
export type {
  GrpcDeepPartial,
  GrpcMethodDefinition,
  GrpcRequestStream,
  GrpcServiceDefinition,
  PooledAsyncService,
} from './interfaces/pooled-async-service.interface.js';
export type { GrpcMethodOptions } from './interfaces/method-options.interface.js';
export type { GrpcRetryBudgetOptions } from './interfaces/pool-options.interface.js';
export type {
  GrpcPoolClientOptions,
  GrpcPoolConnectionOptions,
  GrpcPoolName,
} from './interfaces/client-options.interface.js';
export type { GrpcKeepaliveOptions } from './interfaces/keepalive-options.interface.js';
export type {
  GrpcPoolAsyncClientOptions,
  GrpcPoolDefaults,
  GrpcPoolFactoryResult,
  GrpcPoolModuleAsyncOptions,
  GrpcPoolModuleOptions,
  GrpcPoolOptionsFactory,
  GrpcPoolRootAsyncOptions,
  GrpcPoolRootOptions,
} from './interfaces/module-options.interface.js';
export type {
  GrpcOutlierDetectionOptions,
  GrpcPoolChannelOptions,
} from './interfaces/pool-options.interface.js';
export type { GrpcRetryOptions } from './interfaces/retry-options.interface.js';
export type {
  GrpcPoolHealthDetails,
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
} from './interfaces/health-options.interface.js';
export type { GrpcTlsOptions } from './interfaces/tls-options.interface.js';
export type { GrpcStartupOptions } from './interfaces/startup-options.interface.js';
export type {
  GrpcChannelState,
  GrpcChannelStats,
  GrpcMethodStats,
  GrpcPoolState,
  GrpcPoolStats,
} from './interfaces/stats.interface.js';
export type { GrpcCallCounts } from './interfaces/stats.interface.js';
export type { GrpcCallPhases } from './interfaces/stats.interface.js';
export type { GrpcLatencyPercentiles } from './interfaces/stats.interface.js';
export type {
  GrpcPrometheusOptions,
  GrpcPrometheusRegistry,
  GrpcTelemetryOptions,
} from './interfaces/telemetry-options.interface.js';
