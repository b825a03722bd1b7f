// The public API: every name a user can import, and nothing else. `npm run api:check`
// compares it with api/nestjs-grpc-pool.api.md, so a change here is a visible diff.

// The module, its registration options and the injection decorator.
export { GrpcPoolModule } from './grpc-pool.module.js';
export { InjectGrpcPool } from './decorators/inject-grpc-pool.decorator.js';
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

// A client's options, and the option groups they are made of.
export type {
  GrpcPoolClientOptions,
  GrpcPoolConnectionOptions,
  GrpcPoolName,
} from './interfaces/client-options.interface.js';
export type {
  GrpcOutlierDetectionOptions,
  GrpcPoolChannelOptions,
  GrpcPoolDnsOptions,
} from './interfaces/pool-options.interface.js';
export type { GrpcKeepaliveOptions } from './interfaces/keepalive-options.interface.js';
export type { GrpcTlsOptions } from './interfaces/tls-options.interface.js';
export type { GrpcStartupOptions } from './interfaces/startup-options.interface.js';
export type { GrpcMethodOptions } from './interfaces/method-options.interface.js';
export type { GrpcRetryOptions } from './interfaces/retry-options.interface.js';
export type { GrpcRetryBudgetOptions } from './interfaces/pool-options.interface.js';
export type {
  GrpcPrometheusOptions,
  GrpcPrometheusRegistry,
  GrpcTelemetryOptions,
} from './interfaces/telemetry-options.interface.js';

// The pool and the services it hands out (callback, Observable and async styles).
export { GrpcPool } from './client/grpc-pool.js';
export type { PooledService } from './interfaces/pooled-service.interface.js';
export type {
  GrpcAsyncRequest,
  GrpcAsyncResponse,
  GrpcDeepPartial,
  GrpcMessageOf,
  GrpcMethodDefinition,
  GrpcRequestStream,
  GrpcServiceDefinition,
  GrpcStreamingChoice,
  PooledAsyncService,
} from './interfaces/pooled-async-service.interface.js';

// Per-call options and call interceptors.
export type {
  GrpcDefaultCallOptions,
  GrpcPoolCallOptions,
} from './interfaces/call-options.interface.js';
export type {
  GrpcCallContext,
  GrpcCallInterceptor,
  GrpcCallOutcome,
} from './interfaces/call-interceptor.interface.js';

// Statistics: what `pool.stats()` returns.
export type {
  GrpcCallCounts,
  GrpcCallPhases,
  GrpcChannelState,
  GrpcChannelStats,
  GrpcLatencyPercentiles,
  GrpcMethodStats,
  GrpcPoolState,
  GrpcPoolStats,
} from './interfaces/stats.interface.js';

// Health: the Terminus indicator and what it reports.
export { GrpcPoolHealthIndicator } from './health/grpc-pool-health.indicator.js';
export type {
  GrpcPoolHealthDetails,
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
  GrpcPoolIndicatorResult,
  GrpcPoolIndicatorStatus,
} from './interfaces/health-options.interface.js';

// Errors a call or the pool throws, and the predicate for gRPC errors.
export { GrpcPoolError } from './errors/grpc-pool.error.js';
export { GrpcPoolStartupError } from './errors/startup.error.js';
export { GrpcPoolOptionsError } from './errors/invalid-options.error.js';
export { GrpcUnknownServiceError } from './errors/unknown-service.error.js';
export { GrpcPoolCallError } from './errors/grpc-call.error.js';
export { GrpcCallAbortedError } from './errors/call-aborted.error.js';
export type { AbortedWhen as GrpcCallAbortedWhen } from './errors/call-aborted.error.js';
export { isGrpcServiceError } from './errors/is-grpc-service-error.js';

// Rich error details (google.rpc.Status): reading them from an error, sending them.
export { statusDetailsOf } from './details/attach-status-details.js';
export { grpcStatusError } from './details/grpc-status-error.js';
export type {
  GrpcStatusError,
  GrpcStatusErrorOptions,
} from './interfaces/status-error.interface.js';
export type {
  GrpcBadRequest,
  GrpcDebugInfo,
  GrpcDuration,
  GrpcErrorInfo,
  GrpcHelp,
  GrpcLocalizedMessage,
  GrpcPreconditionFailure,
  GrpcQuotaFailure,
  GrpcRequestInfo,
  GrpcResourceInfo,
  GrpcRetryInfo,
  GrpcStatusDetail,
  GrpcStatusDetailInput,
  GrpcUnknownDetail,
} from './interfaces/status-details.interface.js';

// Server side: deadline and retry for Nest handlers, and gRPC errors as HTTP responses.
export { GrpcTimeout } from './decorators/grpc-timeout.decorator.js';
export { GrpcTimeoutInterceptor } from './interceptors/grpc-timeout.interceptor.js';
export { GrpcRetry } from './decorators/grpc-retry.decorator.js';
export { GrpcRetryInterceptor } from './interceptors/grpc-retry.interceptor.js';
export type { RetryPolicy as GrpcRetryPolicy } from './policies/retry-policy.js';
export { GrpcToHttpExceptionFilter } from './filters/grpc-to-http-exception.filter.js';
export type { GrpcHttpErrorBody } from './interfaces/http-error-body.interface.js';
export { httpStatusForGrpc } from './filters/grpc-status-to-http.js';
export type { GrpcToHttpExceptionFilterOptions } from './interfaces/http-filter-options.interface.js';
