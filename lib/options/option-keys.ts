import type { GrpcDefaultCallOptions } from '../interfaces/call-options.interface.js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import type { GrpcKeepaliveOptions } from '../interfaces/keepalive-options.interface.js';
import type { GrpcMethodOptions } from '../interfaces/method-options.interface.js';
import type {
  GrpcOutlierDetectionOptions,
  GrpcPoolChannelOptions,
  GrpcPoolDnsOptions,
  GrpcRetryBudgetOptions,
} from '../interfaces/pool-options.interface.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import type { GrpcStartupOptions } from '../interfaces/startup-options.interface.js';
import type { GrpcTlsOptions } from '../interfaces/tls-options.interface.js';
import { keysOf } from './keys-of.js';

/**
 * The option names each nested object accepts; anything else is a typo we
 * report. Each list is checked against its interface at compile time.
 */
export const CLIENT_OPTION_KEYS = keysOf<GrpcPoolClientOptions>({
  name: true,
  url: true,
  package: true,
  protoPath: true,
  packageDefinition: true,
  loader: true,
  credentials: true,
  tls: true,
  channelOptions: true,
  keepalive: true,
  maxSendMessageLength: true,
  maxReceiveMessageLength: true,
  maxMetadataSize: true,
  pool: true,
  defaultCallOptions: true,
  methods: true,
  interceptors: true,
  startup: true,
  drainTimeoutMs: true,
  forwardMetadata: true,
  telemetry: true,
  prometheus: true,
});

export const POOL_OPTION_KEYS = keysOf<GrpcPoolChannelOptions>({
  minChannels: true,
  maxChannels: true,
  maxConcurrentCallsPerChannel: true,
  maxQueued: true,
  acquireTimeoutMs: true,
  idleTimeoutMs: true,
  connectTimeoutMs: true,
  maxConnectionAgeMs: true,
  outlierDetection: true,
  retryBudget: true,
  dns: true,
});

export const DNS_OPTION_KEYS = keysOf<GrpcPoolDnsOptions>({ refreshIntervalMs: true });

export const RETRY_BUDGET_KEYS = keysOf<GrpcRetryBudgetOptions>({
  ratio: true,
  minPerSecond: true,
});

export const CALL_DEFAULT_KEYS = keysOf<GrpcDefaultCallOptions>({
  timeoutMs: true,
  waitForReady: true,
  retry: true,
});

export const METHOD_OPTION_KEYS = keysOf<GrpcMethodOptions>({
  timeoutMs: true,
  retry: true,
  idempotent: true,
});

export const RETRY_OPTION_KEYS = keysOf<GrpcRetryOptions>({
  maxAttempts: true,
  initialBackoffMs: true,
  maxBackoffMs: true,
  backoffMultiplier: true,
  retryableCodes: true,
});

export const STARTUP_OPTION_KEYS = keysOf<GrpcStartupOptions>({
  waitForReady: true,
  timeoutMs: true,
});

export const OUTLIER_DETECTION_KEYS = keysOf<GrpcOutlierDetectionOptions>({
  consecutiveFailures: true,
  baseEjectionMs: true,
  maxEjectionMs: true,
});

export const TLS_OPTION_KEYS = keysOf<GrpcTlsOptions>({
  ca: true,
  cert: true,
  key: true,
  servername: true,
});

/**
 * Nest's keepalive field names and the grpc-js channel arguments they set;
 * `satisfies` ties the field names to `GrpcKeepaliveOptions` both ways.
 */
export const KEEPALIVE_CHANNEL_ARGS = {
  keepaliveTimeMs: 'grpc.keepalive_time_ms',
  keepaliveTimeoutMs: 'grpc.keepalive_timeout_ms',
  keepalivePermitWithoutCalls: 'grpc.keepalive_permit_without_calls',
  http2MaxPingsWithoutData: 'grpc.http2.max_pings_without_data',
  http2MinTimeBetweenPingsMs: 'grpc.http2.min_time_between_pings_ms',
  http2MinPingIntervalWithoutDataMs: 'grpc.http2.min_ping_interval_without_data_ms',
  http2MaxPingStrikes: 'grpc.http2.max_ping_strikes',
} as const satisfies Record<keyof GrpcKeepaliveOptions, string>;
