import { describe, expect, it } from '@jest/globals';
import { PREFIX, startUp } from '../../test/support/start-up-with-options.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';

describe('channel options, channel interceptors and keepalive are checked where grpc-js does not', () => {
  it.each<[Record<string, unknown>, string]>([
    // channelOptions grpc-js reads without checking.
    [
      { channelOptions: { 'grpc.max_send_message_length': 'abc' } },
      'channelOptions["grpc.max_send_message_length"] must be an integer >= -1 (got "abc")',
    ],
    [
      { channelOptions: { 'grpc.keepalive_time_ms': '10000' } },
      'channelOptions["grpc.keepalive_time_ms"] must be an integer >= -1 (got "10000")',
    ],
    [
      { channelOptions: { 'grpc.keepalive_timeout_ms': 2 ** 31 } },
      'channelOptions["grpc.keepalive_timeout_ms"] must be <= 2147483647',
    ],
    [
      { channelOptions: { 'grpc.default_compression_algorithm': 'gzip' } },
      'channelOptions["grpc.default_compression_algorithm"] must be 0 (identity), 1 (deflate) or 2 (gzip) (got "gzip")',
    ],
    [
      { channelOptions: { 'grpc.primary_user_agent': 7 } },
      'channelOptions["grpc.primary_user_agent"] must be a string (got 7)',
    ],
    [
      { channelOptions: { 'grpc.service_config': '{nope' } },
      'channelOptions["grpc.service_config"] must be valid JSON (a gRPC service config)',
    ],
    [{ channelOptions: [] }, 'channelOptions must be an object (got an array)'],
    // grpc-js calls channel interceptors without checking: every call failed INTERNAL.
    [
      { channelOptions: { interceptors: 'x' } },
      'channelOptions["interceptors"] must be an array of functions (got "x")',
    ],
    [
      { channelOptions: { interceptors: [null] } },
      'channelOptions["interceptors"][0] must be a function (got null)',
    ],
    [
      { channelOptions: { interceptors: [{}] } },
      'channelOptions["interceptors"][0] must be a function (got an object)',
    ],
    [
      { channelOptions: { interceptor_providers: [() => undefined, 7] } },
      'channelOptions["interceptor_providers"][1] must be a function (got 7)',
    ],
    [
      { channelOptions: { interceptors: [], interceptor_providers: [] } },
      'channelOptions["interceptor_providers"] cannot be given with channelOptions["interceptors"]',
    ],
    // grpc-js turns keepalive without calls on for exactly 1: 5 or true meant off.
    [
      { keepalive: { keepalivePermitWithoutCalls: 5 } },
      'keepalive.keepalivePermitWithoutCalls must be 0 or 1 (got 5)',
    ],
    [
      { keepalive: { keepalivePermitWithoutCalls: true } },
      'keepalive.keepalivePermitWithoutCalls must be 0 or 1 (got true)',
    ],
    [
      { channelOptions: { 'grpc.keepalive_permit_without_calls': 2 } },
      'channelOptions["grpc.keepalive_permit_without_calls"] must be 0 or 1 (got 2)',
    ],
  ])('%j', (overrides: Record<string, unknown>, message) => {
    const start = startUp(overrides);
    expect(start).toThrow(GrpcPoolOptionsError);
    expect(start).toThrow(
      PREFIX.replace('"ORDERS"', overrides.name === '' ? '""' : '"ORDERS"') + message,
    );
  });
});
