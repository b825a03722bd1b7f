/** The option names each nested object accepts; anything else is a typo we report. */
export const CLIENT_OPTION_KEYS = [
  'name',
  'url',
  'package',
  'protoPath',
  'packageDefinition',
  'loader',
  'credentials',
  'tls',
  'channelOptions',
  'keepalive',
  'maxSendMessageLength',
  'maxReceiveMessageLength',
  'maxMetadataSize',
  'pool',
  'defaultCallOptions',
  'methods',
  'interceptors',
  'startup',
  'drainTimeoutMs',
  'forwardMetadata',
  'telemetry',
  'prometheus',
] as const;

export const POOL_OPTION_KEYS = [
  'minChannels',
  'maxChannels',
  'maxConcurrentCallsPerChannel',
  'maxQueued',
  'acquireTimeoutMs',
  'idleTimeoutMs',
  'connectTimeoutMs',
  'maxConnectionAgeMs',
  'outlierDetection',
  'retryBudget',
  'dns',
] as const;

export const DNS_OPTION_KEYS = ['refreshIntervalMs'] as const;

export const RETRY_BUDGET_KEYS = ['ratio', 'minPerSecond'] as const;

export const CALL_DEFAULT_KEYS = ['timeoutMs', 'waitForReady', 'retry'] as const;

export const METHOD_OPTION_KEYS = ['timeoutMs', 'retry', 'idempotent'] as const;

export const RETRY_OPTION_KEYS = [
  'maxAttempts',
  'initialBackoffMs',
  'maxBackoffMs',
  'backoffMultiplier',
  'retryableCodes',
] as const;

export const STARTUP_OPTION_KEYS = ['waitForReady', 'timeoutMs'] as const;

export const OUTLIER_DETECTION_KEYS = [
  'consecutiveFailures',
  'baseEjectionMs',
  'maxEjectionMs',
] as const;

export const TLS_OPTION_KEYS = ['ca', 'cert', 'key', 'servername'] as const;

/** Nest's keepalive field names and the grpc-js channel arguments they set. */
export const KEEPALIVE_CHANNEL_ARGS = {
  keepaliveTimeMs: 'grpc.keepalive_time_ms',
  keepaliveTimeoutMs: 'grpc.keepalive_timeout_ms',
  keepalivePermitWithoutCalls: 'grpc.keepalive_permit_without_calls',
  http2MaxPingsWithoutData: 'grpc.http2.max_pings_without_data',
  http2MinTimeBetweenPingsMs: 'grpc.http2.min_time_between_pings_ms',
  http2MinPingIntervalWithoutDataMs: 'grpc.http2.min_ping_interval_without_data_ms',
  http2MaxPingStrikes: 'grpc.http2.max_ping_strikes',
} as const;
