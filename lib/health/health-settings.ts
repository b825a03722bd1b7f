import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type { GrpcPoolHealthOptions } from '../interfaces/health-options.interface.js';
import { keysOf } from '../options/keys-of.js';
import { describe, isPlainObject, OptionRules } from '../options/option-rules.js';
import { poolDisplayName } from '../errors/pool-label.js';

const HEALTH_OPTION_KEYS = keysOf<GrpcPoolHealthOptions>({
  timeoutMs: true,
  remote: true,
  minReadyChannels: true,
  key: true,
  degradedAs: true,
});

const HEALTH_DEFAULTS = { timeoutMs: 1000, minReadyChannels: 0 } as const;

/** A health check's options, checked and with defaults filled in. */
export interface HealthSettings {
  key: string;
  timeoutMs: number;
  /** The service the remote check asks about (`''`: the whole server); undefined for no remote check. */
  remoteService: string | undefined;
  minReadyChannels: number;
  /** What a degraded pool reports. */
  degradedAs: 'degraded' | 'up' | 'down';
}

/** Checks a health check's options; a broken rule throws `GrpcPoolOptionsError` naming the field `isHealthy.<option>`. */
export function resolveHealthSettings(
  poolName: GrpcPoolName,
  options: GrpcPoolHealthOptions = {},
): HealthSettings {
  const rules = new OptionRules(poolName);
  rules.knownKeys(options, 'isHealthy', HEALTH_OPTION_KEYS);
  rules.durationMs(options.timeoutMs, 'isHealthy.timeoutMs', 1);
  rules.integer(options.minReadyChannels, 'isHealthy.minReadyChannels', 0);
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key === '')) {
    rules.fail('isHealthy.key', `must be a non-empty string (got ${describe(options.key)})`);
  }
  if (options.degradedAs !== undefined && !['up', 'down'].includes(options.degradedAs)) {
    rules.fail(
      'isHealthy.degradedAs',
      `must be 'up' or 'down' (got ${describe(options.degradedAs)})`,
    );
  }
  return {
    key: options.key ?? poolDisplayName(poolName),
    timeoutMs: options.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs,
    remoteService: remoteService(rules, options.remote),
    minReadyChannels: options.minReadyChannels ?? HEALTH_DEFAULTS.minReadyChannels,
    degradedAs: options.degradedAs ?? 'degraded',
  };
}

function remoteService(rules: OptionRules, remote: unknown): string | undefined {
  if (remote === undefined || remote === false) return undefined;
  if (remote === true) return '';
  if (!isPlainObject(remote)) {
    rules.fail('isHealthy.remote', `must be a boolean or { service } (got ${describe(remote)})`);
  }
  rules.knownKeys(remote, 'isHealthy.remote', ['service']);
  const { service } = remote as { service?: unknown };
  if (service !== undefined && typeof service !== 'string') {
    rules.fail('isHealthy.remote.service', `must be a string (got ${describe(service)})`);
  }
  return service ?? '';
}
