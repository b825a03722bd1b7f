import { ChannelCredentials, status } from '@grpc/grpc-js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import {
  CALL_DEFAULT_KEYS,
  CLIENT_OPTION_KEYS,
  KEEPALIVE_CHANNEL_ARGS,
  METHOD_OPTION_KEYS,
  POOL_OPTION_KEYS,
  RETRY_BUDGET_KEYS,
  RETRY_OPTION_KEYS,
  OUTLIER_DETECTION_KEYS,
  DNS_OPTION_KEYS,
  STARTUP_OPTION_KEYS,
  TLS_OPTION_KEYS,
} from './option-keys.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import { describe, isPlainObject, OptionRules } from './option-rules.js';
import { POOL_DEFAULTS } from './pool-defaults.js';
import { targetProblem } from './target-shape.js';
import { dnsTarget } from './dns-target.js';

/** The most channels (connections) one pool may open to its backends. */
const MAX_CHANNELS = 1024;
import { validateChannelOptions, zeroOrOne } from './validate-channel-options.js';
import { validateForwardMetadata } from './validate-forward-metadata.js';
import { validatePrometheus, validateTelemetry } from './validate-telemetry-options.js';

/**
 * Checks the shape and ranges of a client's options (the proto files are
 * checked when they are loaded). Throws on the first broken rule.
 */
export function validateClientOptions(options: GrpcPoolClientOptions): void {
  const rules: OptionRules = new OptionRules(options.name);
  rules.knownKeys(options, 'options', CLIENT_OPTION_KEYS);
  const name: unknown = options.name;
  if (typeof name !== 'symbol' && (typeof name !== 'string' || name === '')) {
    rules.fail('name', `must be a non-empty string or a symbol (got ${describe(name)})`);
  }
  validateUrl(rules, options.url);
  rules.stringOrList(options.package, 'package');
  if (options.protoPath === undefined && options.packageDefinition === undefined) {
    rules.fail('protoPath', 'is required unless packageDefinition is given');
  }
  if (options.protoPath !== undefined) rules.stringOrList(options.protoPath, 'protoPath');
  for (const field of [
    'maxSendMessageLength',
    'maxReceiveMessageLength',
    'maxMetadataSize',
  ] as const) {
    // grpc-js takes -1 for "unlimited".
    rules.integer(options[field], field, -1);
  }
  rules.knownKeys(options.keepalive, 'keepalive', Object.keys(KEEPALIVE_CHANNEL_ARGS));
  for (const [key, value] of Object.entries(options.keepalive ?? {})) {
    if (key.endsWith('Ms')) rules.durationMs(value, `keepalive.${key}`, 0);
    else if (key === 'keepalivePermitWithoutCalls') zeroOrOne(rules, `keepalive.${key}`, value);
    else rules.integer(value, `keepalive.${key}`, 0);
  }
  validateChannelOptions(rules, options.channelOptions);
  validateTls(rules, options);
  validatePool(rules, options);
  validateCallDefaults(rules, options);
  validateMethods(rules, options);
  validateInterceptors(rules, options.interceptors);
  rules.knownKeys(options.startup, 'startup', STARTUP_OPTION_KEYS);
  rules.boolean(options.startup?.waitForReady, 'startup.waitForReady');
  rules.durationMs(options.startup?.timeoutMs, 'startup.timeoutMs', 1);
  rules.durationMs(options.drainTimeoutMs, 'drainTimeoutMs', 0);
  validateForwardMetadata(rules, options.forwardMetadata);
  validateTelemetry(rules, options.telemetry);
  validatePrometheus(rules, options.prometheus);
}

function validateTls(rules: OptionRules, options: GrpcPoolClientOptions): void {
  const credentials: unknown = options.credentials;
  // grpc-js needs its own class (it checks with instanceof when a channel opens).
  if (credentials !== undefined && !(credentials instanceof ChannelCredentials)) {
    rules.fail(
      'credentials',
      `must be grpc-js ChannelCredentials, e.g. credentials.createSsl() or credentials.createInsecure() (got ${describe(credentials)})`,
    );
  }
  const { tls } = options;
  rules.knownKeys(tls, 'tls', TLS_OPTION_KEYS);
  if (tls === undefined) return;
  if (options.credentials !== undefined) {
    rules.fail('tls', 'cannot be given with credentials (use one or the other)');
  }
  for (const field of ['ca', 'cert', 'key'] as const) {
    const value: unknown = tls[field];
    if (
      value !== undefined &&
      !Buffer.isBuffer(value) &&
      (typeof value !== 'string' || value === '')
    ) {
      rules.fail(`tls.${field}`, `must be a file path or a Buffer (got ${describe(value)})`);
    }
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    rules.fail(
      tls.cert === undefined ? 'tls.cert' : 'tls.key',
      'is required with the other: mutual TLS needs both cert and key',
    );
  }
  const servername: unknown = tls.servername;
  if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
    rules.fail('tls.servername', `must be a non-empty string (got ${describe(servername)})`);
  }
}

function validatePool(rules: OptionRules, options: GrpcPoolClientOptions): void {
  const pool = options.pool;
  rules.knownKeys(pool, 'pool', POOL_OPTION_KEYS);
  rules.integer(pool?.minChannels, 'pool.minChannels', 0);
  // Each channel is a connection: past this, it is a typo, not a pool.
  rules.integer(pool?.maxChannels, 'pool.maxChannels', 1, MAX_CHANNELS);
  rules.integer(pool?.maxConcurrentCallsPerChannel, 'pool.maxConcurrentCallsPerChannel', 1);
  rules.integer(pool?.maxQueued, 'pool.maxQueued', 0);
  rules.durationMs(pool?.acquireTimeoutMs, 'pool.acquireTimeoutMs', 0);
  rules.durationMs(pool?.idleTimeoutMs, 'pool.idleTimeoutMs', 0);
  rules.durationMs(pool?.connectTimeoutMs, 'pool.connectTimeoutMs', 0);
  rules.durationMs(pool?.maxConnectionAgeMs, 'pool.maxConnectionAgeMs', 0);
  const outliers = pool?.outlierDetection;
  if (outliers !== false) {
    rules.knownKeys(outliers, 'pool.outlierDetection', OUTLIER_DETECTION_KEYS);
    rules.integer(outliers?.consecutiveFailures, 'pool.outlierDetection.consecutiveFailures', 1);
    rules.durationMs(outliers?.baseEjectionMs, 'pool.outlierDetection.baseEjectionMs', 1);
    const base = outliers?.baseEjectionMs ?? POOL_DEFAULTS.outlierDetection.baseEjectionMs;
    rules.durationMs(outliers?.maxEjectionMs, 'pool.outlierDetection.maxEjectionMs', base);
  }
  const dns = pool?.dns;
  if (dns === false) {
    noDnsServerWithoutFollowing(rules, options.url);
  } else {
    if (dns !== undefined && !isPlainObject(dns))
      rules.fail('pool.dns', `must be an object or false (got ${describe(dns)})`);
    rules.knownKeys(dns, 'pool.dns', DNS_OPTION_KEYS);
    // Each refresh is a DNS query per name and pool: below this it is a typo, not a schedule.
    rules.durationMs(dns?.refreshIntervalMs, 'pool.dns.refreshIntervalMs', 100);
  }
  rules.knownKeys(pool?.retryBudget, 'pool.retryBudget', RETRY_BUDGET_KEYS);
  rules.finiteNumber(pool?.retryBudget?.ratio, 'pool.retryBudget.ratio', 0);
  rules.finiteNumber(pool?.retryBudget?.minPerSecond, 'pool.retryBudget.minPerSecond', 0);
  const min = pool?.minChannels ?? POOL_DEFAULTS.minChannels;
  const max = pool?.maxChannels ?? POOL_DEFAULTS.maxChannels;
  if (min > max) {
    rules.fail('pool.minChannels', `must be <= pool.maxChannels (got ${min} > ${max})`);
  }
}

/**
 * With `pool.dns: false`, grpc-js resolves names, and it ignores a DNS
 * server in a target's authority unless told otherwise: the name would
 * silently go to the system resolver instead.
 */
function noDnsServerWithoutFollowing(rules: OptionRules, url: unknown): void {
  if (process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER === 'true') return;
  const withServer = ([] as string[])
    .concat((url as string | string[] | undefined) ?? [])
    .find((target) => dnsTarget(target)?.server !== undefined);
  if (withServer === undefined) return;
  rules.fail(
    'pool.dns',
    `must not be false with url "${withServer}": grpc-js ignores the DNS server in a target's authority (unless GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true) and would ask the system resolver`,
  );
}

function validateCallDefaults(rules: OptionRules, options: GrpcPoolClientOptions): void {
  const defaults = options.defaultCallOptions;
  rules.knownKeys(defaults, 'defaultCallOptions', CALL_DEFAULT_KEYS);
  rules.durationMs(defaults?.timeoutMs, 'defaultCallOptions.timeoutMs', 1);
  rules.boolean(defaults?.waitForReady, 'defaultCallOptions.waitForReady');
  validateRetry(rules, 'defaultCallOptions.retry', defaults?.retry);
}

/** `methods`: the shape of each entry; whether the key names a real method is checked against the protos. */
function validateMethods(rules: OptionRules, options: GrpcPoolClientOptions): void {
  const methods: unknown = options.methods;
  if (methods === undefined) return;
  if (!isPlainObject(methods))
    rules.fail('methods', `must be an object (got ${describe(methods)})`);
  for (const [key, settings] of Object.entries(methods)) {
    const field = `methods["${key}"]`;
    if (!/^[\w.]+\/(\w+|\*)$/.test(key)) {
      rules.fail(field, `must be keyed 'Service/Method' or 'Service/*'`);
    }
    rules.knownKeys(settings, field, METHOD_OPTION_KEYS);
    if (!isPlainObject(settings))
      rules.fail(field, `must be an object (got ${describe(settings)})`);
    rules.durationMs(settings.timeoutMs, `${field}.timeoutMs`, 1);
    rules.boolean(settings.idempotent, `${field}.idempotent`);
    validateRetry(rules, `${field}.retry`, settings.retry);
  }
}

/** One address, or several (each checked): the shape only, nothing is resolved yet. */
function validateUrl(rules: OptionRules, url: unknown): void {
  if (url === undefined) return;
  rules.stringOrList(url, 'url');
  const list = ([] as string[]).concat(url as string | string[]);
  list.forEach((target, i) => {
    const problem = targetProblem(target);
    if (problem !== undefined)
      rules.fail(Array.isArray(url) ? `url[${i}]` : 'url', `"${target}" ${problem}`);
  });
}

/** Call interceptors must be resolved instances by now: objects whose hooks are functions. */
function validateInterceptors(rules: OptionRules, interceptors: unknown): void {
  if (interceptors === undefined) return;
  if (!Array.isArray(interceptors)) {
    rules.fail('interceptors', `must be an array (got ${describe(interceptors)})`);
  }
  interceptors.forEach((interceptor: unknown, i) => {
    const field = `interceptors[${i}]`;
    if (typeof interceptor === 'function') {
      rules.fail(
        field,
        'is a class: register the pool through GrpcPoolModule to have it resolved, or pass an instance',
      );
    }
    if (!isPlainObjectOrInstance(interceptor))
      rules.fail(field, `must be an object (got ${describe(interceptor)})`);
    for (const hook of ['beforeAttempt', 'afterAttempt'] as const) {
      const value = (interceptor as Record<string, unknown>)[hook];
      if (value !== undefined && typeof value !== 'function')
        rules.fail(`${field}.${hook}`, 'must be a function');
    }
  });
}

function isPlainObjectOrInstance(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * What is wrong with a retry policy given outside the client options (per
 * call, or to `@GrpcRetry`), as `"<field> <rule>"`; undefined when it is fine.
 */
export function retryOptionProblem(field: string, value: unknown): string | undefined {
  try {
    validateRetry(new OptionRules(field), field, value);
    return undefined;
  } catch (error: unknown) {
    if (error instanceof GrpcPoolOptionsError) return `${error.field} ${error.rule}`;
    throw error;
  }
}

/** A retry policy: absent, `false`, or an object of known, in-range fields. */
function validateRetry(rules: OptionRules, field: string, value: unknown): void {
  if (value === undefined || value === false) return;
  if (!isPlainObject(value))
    rules.fail(field, `must be an object or false (got ${describe(value)})`);
  rules.knownKeys(value, field, RETRY_OPTION_KEYS);
  const retry = value as GrpcRetryOptions;
  rules.integer(retry.maxAttempts, `${field}.maxAttempts`, 1);
  rules.durationMs(retry.initialBackoffMs, `${field}.initialBackoffMs`, 0);
  rules.durationMs(retry.maxBackoffMs, `${field}.maxBackoffMs`, 0);
  rules.finiteNumber(retry.backoffMultiplier, `${field}.backoffMultiplier`, 1);
  if (
    retry.initialBackoffMs !== undefined &&
    retry.maxBackoffMs !== undefined &&
    retry.initialBackoffMs > retry.maxBackoffMs
  ) {
    rules.fail(
      `${field}.initialBackoffMs`,
      `must be <= ${field}.maxBackoffMs (got ${retry.initialBackoffMs} > ${retry.maxBackoffMs})`,
    );
  }
  if (retry.retryableCodes === undefined) return;
  if (!Array.isArray(retry.retryableCodes)) {
    rules.fail(
      `${field}.retryableCodes`,
      `must be an array of status codes (got ${describe(retry.retryableCodes)})`,
    );
  }
  retry.retryableCodes.forEach((code, i) => {
    if (typeof code !== 'number' || status[code] === undefined || code === status.OK) {
      rules.fail(
        `${field}.retryableCodes[${i}]`,
        `must be a gRPC status code other than OK (got ${describe(code)})`,
      );
    }
  });
}
