import type { ChannelCredentials } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { GrpcCallInterceptor } from '../interfaces/call-interceptor.interface.js';
import type { GrpcDefaultCallOptions } from '../interfaces/call-options.interface.js';
import type {
  GrpcPoolClientOptions,
  GrpcPoolName,
} from '../interfaces/client-options.interface.js';
import type { GrpcPoolChannelOptions } from '../interfaces/pool-options.interface.js';
import type { GrpcRetryBudgetOptions } from '../interfaces/pool-options.interface.js';
import { OptionRules } from './option-rules.js';
import type { OutlierPolicy } from './outlier-policy.js';
import { POOL_DEFAULTS, RETRY_BUDGET_DEFAULTS } from './pool-defaults.js';
import { resolveTelemetry, type TelemetrySettings } from './telemetry-settings.js';
import { validateForwardMetadata } from './validate-forward-metadata.js';

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

/** What building a client makes from its options before the rest is resolved (see `client/`). */
export interface LoadedClientParts {
  packageDefinition: PackageDefinition;
  credentials: ChannelCredentials;
}

/**
 * Applies defaults to options that `validateClientOptions` accepted, and
 * checks what is left to check (`forwardMetadata`). Builds nothing: the
 * protos and credentials come in `loaded`. Throws `GrpcPoolOptionsError`.
 */
export function applyClientDefaults(
  options: GrpcPoolClientOptions,
  loaded: LoadedClientParts,
): ResolvedClientOptions {
  const pool = options.pool ?? {};
  return {
    name: options.name,
    targets: ([] as string[]).concat(options.url ?? POOL_DEFAULTS.url),
    packageNames: ([] as string[]).concat(options.package),
    packageDefinition: loaded.packageDefinition,
    credentials: loaded.credentials,
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
