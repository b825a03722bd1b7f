import { OptionRules } from './option-rules.js';
import { validateForwardMetadata } from './validate-forward-metadata.js';
import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { GrpcCallInterceptor } from '../interfaces/call-interceptor.interface.js';
import type { GrpcDefaultCallOptions } from '../interfaces/call-options.interface.js';
import type {
  GrpcPoolClientOptions,
  GrpcPoolName,
} from '../interfaces/client-options.interface.js';
import type { GrpcPoolChannelOptions } from '../interfaces/pool-options.interface.js';
import type { OutlierPolicy } from '../pool/outlier-detector.js';
import { loadPackageDefinition } from '../proto/load-package-definition.js';
import { RETRY_BUDGET_DEFAULTS, type GrpcRetryBudgetOptions } from '../policies/retry-budget.js';
import { POOL_DEFAULTS } from './pool-defaults.js';
import { tlsCredentials } from './tls-credentials.js';
import { validateClientOptions } from './validate-client-options.js';
import { registerXdsFor } from '../discovery/xds-registration.js';
import type { TelemetrySettings } from '../telemetry/pool-telemetry.js';

/** A client's options after validation, with every default filled in. */
export interface ResolvedClientOptions {
  name: GrpcPoolName;
  targets: string[];
  packageNames: string[];
  packageDefinition: PackageDefinition;
  credentials: ChannelCredentials;
  /** TLS (from `tls` or `credentials`); false means plaintext. */
  secure: boolean;
  source: GrpcPoolClientOptions;
  limits: Required<GrpcPoolChannelOptions> & {
    retryBudget: Required<GrpcRetryBudgetOptions>;
    outlierDetection: OutlierPolicy | false;
    dns: { refreshIntervalMs: number } | false;
  };
  callDefaults: GrpcDefaultCallOptions;
  startup: { waitForReady: boolean; timeoutMs: number };
  drainTimeoutMs: number;
  /** Lowercased, without repeats. */
  forwardMetadata: readonly string[];
  callInterceptors: readonly GrpcCallInterceptor[];
  telemetry: TelemetrySettings;
}

/** Validates, loads the protos and applies defaults. Throws `GrpcPoolOptionsError`. */
export function resolveClientOptions(options: GrpcPoolClientOptions): ResolvedClientOptions {
  validateClientOptions(options);
  registerXdsFor(new OptionRules(options.name), options.url);
  const pool = options.pool ?? {};
  return {
    name: options.name,
    targets: ([] as string[]).concat(options.url ?? POOL_DEFAULTS.url),
    packageNames: ([] as string[]).concat(options.package),
    packageDefinition: loadPackageDefinition(options),
    credentials:
      options.credentials ??
      (options.tls ? tlsCredentials(options.name, options.tls) : grpcCredentials.createInsecure()),
    secure: options.credentials?._isSecure() ?? options.tls !== undefined,
    source: options,
    limits: {
      minChannels: pool.minChannels ?? POOL_DEFAULTS.minChannels,
      maxChannels: pool.maxChannels ?? POOL_DEFAULTS.maxChannels,
      maxConcurrentCallsPerChannel:
        pool.maxConcurrentCallsPerChannel ?? POOL_DEFAULTS.maxConcurrentCallsPerChannel,
      maxQueued: pool.maxQueued ?? POOL_DEFAULTS.maxQueued,
      acquireTimeoutMs: pool.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs,
      idleTimeoutMs: pool.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
      connectTimeoutMs: pool.connectTimeoutMs ?? POOL_DEFAULTS.connectTimeoutMs,
      maxConnectionAgeMs: pool.maxConnectionAgeMs ?? POOL_DEFAULTS.maxConnectionAgeMs,
      retryBudget: { ...RETRY_BUDGET_DEFAULTS, ...pool.retryBudget },
      outlierDetection:
        pool.outlierDetection === false
          ? false
          : { ...POOL_DEFAULTS.outlierDetection, ...pool.outlierDetection },
      dns:
        pool.dns === false
          ? false
          : {
              refreshIntervalMs: pool.dns?.refreshIntervalMs ?? POOL_DEFAULTS.dnsRefreshIntervalMs,
            },
    },
    callDefaults: options.defaultCallOptions ?? {},
    startup: {
      waitForReady: options.startup?.waitForReady ?? POOL_DEFAULTS.startupWaitForReady,
      timeoutMs: options.startup?.timeoutMs ?? POOL_DEFAULTS.startupTimeoutMs,
    },
    drainTimeoutMs: options.drainTimeoutMs ?? POOL_DEFAULTS.drainTimeoutMs,
    forwardMetadata: validateForwardMetadata(
      new OptionRules(options.name),
      options.forwardMetadata,
    ),
    callInterceptors: (options.interceptors ?? []) as GrpcCallInterceptor[],
    telemetry: resolveTelemetry(options),
  };
}

/** Everything on unless turned off; Prometheus only when asked for. */
function resolveTelemetry(options: GrpcPoolClientOptions): TelemetrySettings {
  const { telemetry = true, prometheus = false } = options;
  const own =
    typeof telemetry === 'boolean' ? { metrics: telemetry, tracing: telemetry } : telemetry;
  return {
    metrics: own.metrics ?? true,
    tracing: own.tracing ?? true,
    messageSizes: own.messageSizes ?? true,
    prometheus: prometheus === true ? {} : prometheus,
  };
}
