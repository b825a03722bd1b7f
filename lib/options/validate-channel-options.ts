import { describe, isPlainObject, type OptionRules } from './option-rules.js';

/** grpc-js channel arguments whose value is text. */
const STRING_ARGS = [
  'grpc.ssl_target_name_override',
  'grpc.primary_user_agent',
  'grpc.secondary_user_agent',
  'grpc.default_authority',
  'grpc.http_connect_target',
  'grpc.http_connect_creds',
];

/**
 * grpc-js channel arguments whose value is an integer. grpc-js reads them
 * without checking: a string there is compared as a number or ignored, so
 * `'grpc.max_send_message_length': '4mb'` silently means no limit.
 * `-1` means "unlimited" for the message sizes, "off" for keepalive.
 */
const INTEGER_ARGS = [
  'grpc.keepalive_time_ms',
  'grpc.keepalive_timeout_ms',
  'grpc.keepalive_permit_without_calls',
  'grpc.http2.max_pings_without_data',
  'grpc.http2.min_time_between_pings_ms',
  'grpc.http2.min_ping_interval_without_data_ms',
  'grpc.http2.max_ping_strikes',
  'grpc.max_concurrent_streams',
  'grpc.initial_reconnect_backoff_ms',
  'grpc.max_reconnect_backoff_ms',
  'grpc.use_local_subchannel_pool',
  'grpc.max_send_message_length',
  'grpc.max_receive_message_length',
  'grpc.max_metadata_size',
  'grpc.enable_http_proxy',
  'grpc.enable_channelz',
  'grpc.dns_min_time_between_resolutions_ms',
  'grpc.enable_retries',
  'grpc.per_rpc_retry_buffer_size',
  'grpc.retry_buffer_size',
  'grpc.max_connection_age_ms',
  'grpc.max_connection_age_grace_ms',
  'grpc.max_connection_idle_ms',
  'grpc-node.max_session_memory',
  'grpc.service_config_disable_resolution',
  'grpc.client_idle_timeout_ms',
  'grpc-node.flow_control_window',
];

/** grpc-js `CompressionAlgorithms`: it takes the number, and ignores (with a log line) anything else. */
const COMPRESSION_ALGORITHMS = '0 (identity), 1 (deflate) or 2 (gzip)';

/**
 * Checks the value types of the grpc-js channel arguments the pool knows;
 * other keys pass through untouched (grpc-js ignores what it does not know).
 */
export function validateChannelOptions(rules: OptionRules, channelOptions: unknown): void {
  if (channelOptions === undefined) return;
  if (!isPlainObject(channelOptions)) {
    rules.fail('channelOptions', `must be an object (got ${describe(channelOptions)})`);
  }
  for (const [key, value] of Object.entries(channelOptions)) {
    if (value === undefined) continue;
    const field = `channelOptions["${key}"]`;
    if (STRING_ARGS.includes(key) && typeof value !== 'string') {
      rules.fail(field, `must be a string (got ${describe(value)})`);
    }
    // Durations become timers (in grpc-js): the same bound as the pool's own.
    if (INTEGER_ARGS.includes(key) && key.endsWith('_ms')) rules.durationMs(value, field, -1);
    else if (INTEGER_ARGS.includes(key)) rules.integer(value, field, -1);
    if (key === 'grpc.default_compression_algorithm' && ![0, 1, 2].includes(value as number)) {
      rules.fail(field, `must be ${COMPRESSION_ALGORITHMS} (got ${describe(value)})`);
    }
    if (key === 'grpc.keepalive_permit_without_calls') zeroOrOne(rules, field, value);
    if (key === 'grpc.service_config') serviceConfig(rules, field, value);
    if (key === 'interceptors' || key === 'interceptor_providers') functions(rules, field, value);
  }
  if (
    channelOptions.interceptors !== undefined &&
    channelOptions.interceptor_providers !== undefined
  ) {
    rules.fail(
      'channelOptions["interceptor_providers"]',
      'cannot be given with channelOptions["interceptors"] (grpc-js takes one or the other)',
    );
  }
}

/**
 * grpc-js interceptors (and interceptor providers) are functions; it calls
 * them on every call without checking, so anything else fails every call
 * with INTERNAL "nextInterceptor is not a function". Fail start-up instead.
 */
function functions(rules: OptionRules, field: string, value: unknown): void {
  if (!Array.isArray(value))
    rules.fail(field, `must be an array of functions (got ${describe(value)})`);
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'function') {
      rules.fail(`${field}[${i}]`, `must be a function (got ${describe(item)})`);
    }
  });
}

/** grpc-js turns the flag on only for exactly 1: every other value silently means off. */
export function zeroOrOne(rules: OptionRules, field: string, value: unknown): void {
  if (value !== undefined && value !== 0 && value !== 1) {
    rules.fail(field, `must be 0 or 1 (got ${describe(value)})`);
  }
}

/** grpc-js parses it when the channel opens and throws there: parse it at start-up instead. */
function serviceConfig(rules: OptionRules, field: string, value: unknown): void {
  if (typeof value !== 'string') {
    rules.fail(field, `must be a JSON string (got ${describe(value)})`);
  }
  try {
    JSON.parse(value);
  } catch {
    rules.fail(field, 'must be valid JSON (a gRPC service config)');
  }
}
