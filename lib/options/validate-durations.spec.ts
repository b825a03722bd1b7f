import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { nested, PREFIX, startUp } from '../../test/support/start-up-with-options.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';

describe('durations are capped at the longest timer Node can set', () => {
  it.each<[Record<string, unknown>, string]>([
    // Durations: Node runs a timer of 2^31 ms or more after 1 ms, and grpc-js cannot send a
    // deadline of 3.6e14 ms or more (it throws where nothing catches it and the process exits).
    ...[
      'pool.acquireTimeoutMs',
      'pool.idleTimeoutMs',
      'pool.connectTimeoutMs',
      'pool.maxConnectionAgeMs',
      'pool.outlierDetection.baseEjectionMs',
      'pool.outlierDetection.maxEjectionMs',
      'defaultCallOptions.timeoutMs',
      'defaultCallOptions.retry.initialBackoffMs',
      'defaultCallOptions.retry.maxBackoffMs',
      'methods["EchoService/Echo"].timeoutMs',
      'startup.timeoutMs',
      'drainTimeoutMs',
      'keepalive.keepaliveTimeMs',
      'keepalive.keepaliveTimeoutMs',
      'keepalive.http2MinTimeBetweenPingsMs',
    ].map((field): [Record<string, unknown>, string] => [
      nested(field, 2 ** 31),
      `${field} must be <= 2147483647 (about 24.8 days, the longest timer Node can set) (got 2147483648)`,
    ]),
    [
      { defaultCallOptions: { timeoutMs: 3.6e14 } },
      'defaultCallOptions.timeoutMs must be <= 2147483647 (about 24.8 days, the longest timer Node can set) (got 360000000000000)',
    ],
  ])('%j', (overrides: Record<string, unknown>, message) => {
    const start = startUp(overrides);
    expect(start).toThrow(GrpcPoolOptionsError);
    expect(start).toThrow(
      PREFIX.replace('"ORDERS"', overrides.name === '' ? '""' : '"ORDERS"') + message,
    );
  });

  it('accepts a duration of 2147483647 ms and channel options of the right types, not one ms more', () => {
    startUp({
      pool: { minChannels: 0, acquireTimeoutMs: 2_147_483_647 },
      defaultCallOptions: { timeoutMs: 2_147_483_647 },
      channelOptions: {
        'grpc.max_send_message_length': -1,
        'grpc.keepalive_time_ms': 2_147_483_647,
        'grpc.default_compression_algorithm': 2,
        'grpc.service_config': '{}',
        'grpc.some_future_option': 'anything',
        'grpc.keepalive_permit_without_calls': 1,
        interceptors: [(options: unknown, next: (o: unknown) => unknown) => next(options)],
      },
      keepalive: { keepalivePermitWithoutCalls: 0 },
      credentials: grpcCredentials.createInsecure(),
    })().close();
    expect(startUp({ pool: { acquireTimeoutMs: 2_147_483_648 } })).toThrow(
      'pool.acquireTimeoutMs must be <= 2147483647',
    );
  });
});
