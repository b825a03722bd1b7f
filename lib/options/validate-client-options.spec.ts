import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { ECHO_PACKAGE, ECHO_PROTO } from '../../test/support/protos.js';
import { GrpcPool } from '../client/grpc-pool.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';

const valid: GrpcPoolClientOptions = {
  name: 'ORDERS',
  package: ECHO_PACKAGE,
  protoPath: ECHO_PROTO,
  url: '127.0.0.1:1',
};

function startUp(overrides: Record<string, unknown>): () => GrpcPool {
  return () => new GrpcPool({ ...valid, ...overrides } as GrpcPoolClientOptions);
}

const PREFIX = 'Invalid options for gRPC pool "ORDERS": ';

/** `{ a: { b: value } }` from `'a.b'`; a `methods["..."]` segment stays one key. */
function nested(path: string, value: unknown): Record<string, unknown> {
  const keys = path
    .match(/methods\["[^"]+"\]|[^.]+/g)!
    .map((key) => (key.startsWith('methods[') ? ['methods', key.slice(9, -2)] : [key]));
  return keys.flat().reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<
    string,
    unknown
  >;
}

describe('client options are validated at start-up, naming the client, the field and the rule', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ pool: { maxChannels: 0 } }, 'pool.maxChannels must be an integer >= 1 (got 0)'],
    [{ pool: { maxChannels: 1e300 } }, 'pool.maxChannels must be <= 1024 (got 1e+300)'],
    [{ pool: { maxQueued: 2 ** 31 } }, 'pool.maxQueued must be <= 2147483647 (got 2147483648)'],
    [
      { maxSendMessageLength: 2 ** 31 },
      'maxSendMessageLength must be <= 2147483647 (got 2147483648)',
    ],
    [
      { defaultCallOptions: { retry: { maxAttempts: 2 ** 31 } } },
      'defaultCallOptions.retry.maxAttempts must be <= 2147483647 (got 2147483648)',
    ],
    [
      { pool: { minChannels: 5, maxChannels: 2 } },
      'pool.minChannels must be <= pool.maxChannels (got 5 > 2)',
    ],
    [{ pool: { minChannels: 5 } }, 'pool.minChannels must be <= pool.maxChannels (got 5 > 4)'],
    [
      { pool: { maxChanels: 3 } },
      'pool.maxChanels is not a known option (known: minChannels, maxChannels,',
    ],
    [
      { pool: { maxConcurrentCallsPerChannel: 1.5 } },
      'pool.maxConcurrentCallsPerChannel must be an integer >= 1 (got 1.5)',
    ],
    [{ pool: { maxQueued: -1 } }, 'pool.maxQueued must be an integer >= 0 (got -1)'],
    [
      { pool: { acquireTimeoutMs: Number.NaN } },
      'pool.acquireTimeoutMs must be an integer >= 0 (got NaN)',
    ],
    [{ pool: { idleTimeoutMs: '10' } }, 'pool.idleTimeoutMs must be an integer >= 0 (got "10")'],
    [{ pool: 3 }, 'pool must be an object (got 3)'],
    [
      { pool: { retryBudget: { ratio: -0.1 } } },
      'pool.retryBudget.ratio must be a finite number >= 0 (got -0.1)',
    ],
    [
      { pool: { retryBudget: { perSecond: 1 } } },
      'pool.retryBudget.perSecond is not a known option (known: ratio, minPerSecond)',
    ],
    [
      { defaultCallOptions: { timeoutMs: -5 } },
      'defaultCallOptions.timeoutMs must be an integer >= 1 (got -5)',
    ],
    [{ defaultCallOptions: { timeout: 5 } }, 'defaultCallOptions.timeout is not a known option'],
    [
      { defaultCallOptions: { waitForReady: 'yes' } },
      'defaultCallOptions.waitForReady must be a boolean (got "yes")',
    ],
    [
      { defaultCallOptions: { retry: true } },
      'defaultCallOptions.retry must be an object or false (got true)',
    ],
    [
      { defaultCallOptions: { retry: { maxAttempts: 0 } } },
      'defaultCallOptions.retry.maxAttempts must be an integer >= 1 (got 0)',
    ],
    [
      { defaultCallOptions: { retry: { attempts: 2 } } },
      'defaultCallOptions.retry.attempts is not a known option',
    ],
    [
      { defaultCallOptions: { retry: { initialBackoffMs: 500, maxBackoffMs: 100 } } },
      'defaultCallOptions.retry.initialBackoffMs must be <= defaultCallOptions.retry.maxBackoffMs (got 500 > 100)',
    ],
    [
      { defaultCallOptions: { retry: { backoffMultiplier: 0.5 } } },
      'defaultCallOptions.retry.backoffMultiplier must be a finite number >= 1 (got 0.5)',
    ],
    [
      { defaultCallOptions: { retry: { retryableCodes: [14, 99] } } },
      'defaultCallOptions.retry.retryableCodes[1] must be a gRPC status code other than OK (got 99)',
    ],
    [
      { startup: { waitForReady: true, timeout: 1 } },
      'startup.timeout is not a known option (known: waitForReady, timeoutMs)',
    ],
    [{ startup: { timeoutMs: 0 } }, 'startup.timeoutMs must be an integer >= 1 (got 0)'],
    [{ drainTimeoutMs: -1 }, 'drainTimeoutMs must be an integer >= 0 (got -1)'],
    [
      { keepalive: { keepaliveTimeMs: -1 } },
      'keepalive.keepaliveTimeMs must be an integer >= 0 (got -1)',
    ],
    [{ keepalive: { keepAliveTime: 1 } }, 'keepalive.keepAliveTime is not a known option'],
    [{ maxSendMessageLength: 1.5 }, 'maxSendMessageLength must be an integer >= -1 (got 1.5)'],
    [{ url: '' }, 'url must be a non-empty string (got "")'],
    [{ url: [] }, 'url must not be an empty array'],
    [{ url: ['127.0.0.1:1', 7] }, 'url[1] must be a non-empty string (got 7)'],
    [{ package: undefined }, 'package must be a non-empty string (got undefined)'],
    [{ protoPath: undefined }, 'protoPath is required unless packageDefinition is given'],
    [{ protoPath: '/no/such/orders.proto' }, 'protoPath "/no/such/orders.proto" does not exist'],
    [
      { package: 'orders.v9' },
      'package "orders.v9" is not defined by the proto (it defines: test.v1)',
    ],
    [
      { package: [ECHO_PACKAGE, 'nope'] },
      'package "nope" is not defined by the proto (it defines: test.v1)',
    ],
    [{ maxChannels: 4 }, 'options.maxChannels is not a known option'],
    [{ name: '' }, 'name must be a non-empty string or a symbol (got "")'],
    [
      { methods: { EchoService: {} } },
      `methods["EchoService"] must be keyed 'Service/Method' or 'Service/*'`,
    ],
    [
      { methods: { 'EchoService/Echo': { timeout: 1 } } },
      'methods["EchoService/Echo"].timeout is not a known option (known: timeoutMs, retry, idempotent)',
    ],
    [
      { methods: { 'EchoService/Echo': { timeoutMs: 0 } } },
      'methods["EchoService/Echo"].timeoutMs must be an integer >= 1 (got 0)',
    ],
    [
      { methods: { 'EchoService/*': { idempotent: 'yes' } } },
      'methods["EchoService/*"].idempotent must be a boolean (got "yes")',
    ],
    [
      { methods: { 'EchoService/*': { retry: { maxAttempts: 0 } } } },
      'methods["EchoService/*"].retry.maxAttempts must be an integer >= 1 (got 0)',
    ],
    [
      { methods: { 'EchoServise/Echo': {} } },
      'methods["EchoServise/Echo"] names no loaded service (services: EchoService, OtherService)',
    ],
    [
      { methods: { 'EchoService/Ecko': {} } },
      'methods["EchoService/Ecko"] names no method of EchoService (methods: Echo, Slow, Count, Collect, Chat)',
    ],
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
    [
      { defaultCallOptions: { timeoutMS: 100 } },
      'defaultCallOptions.timeoutMS is not a known option (known: timeoutMs, waitForReady, retry); did you mean timeoutMs?',
    ],
    // Targets: the shape is checked at start-up, not on the first call.
    [
      { url: 'http://x' },
      'url "http://x" has an unknown scheme "http:" (use host:port, or one of dns:, ipv4:, ipv6:, unix:, xds:)',
    ],
    [{ url: 'not a url' }, 'url "not a url" must not contain spaces'],
    [{ url: '[::1' }, 'url "[::1" has an unclosed "["'],
    [
      { url: '127.0.0.1:99999' },
      'url "127.0.0.1:99999" must have a port from 1 to 65535 (got "99999")',
    ],
    [{ url: 'localhost:0' }, 'url "localhost:0" must have a port from 1 to 65535 (got "0")'],
    [{ url: 'localhost:' }, 'url "localhost:" must have a port from 1 to 65535 (got "")'],
    [
      { url: 'local_host:abc' },
      'url "local_host:abc" must have a port from 1 to 65535 (got "abc")',
    ],
    [
      { url: 'ipv4:127.0.0.1:1,::1' },
      'url "ipv4:127.0.0.1:1,::1" must list ipv4 addresses after "ipv4:" (got "::1")',
    ],
    [{ url: 'dns:///' }, 'url "dns:///" must name a host'],
    [{ url: 'unix:' }, 'url "unix:" must name a socket path after "unix:"'],
    [{ url: 'xds:name' }, 'url "xds:name" must be xds:///name or xds://authority/name'],
    [{ url: ['127.0.0.1:1', 'h:70000'] }, 'url[1] "h:70000" must have a port from 1 to 65535'],
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
    // Not ChannelCredentials: a bare TypeError without the client's name before.
    [
      { credentials: {} },
      'credentials must be grpc-js ChannelCredentials, e.g. credentials.createSsl() or credentials.createInsecure() (got an object)',
    ],
    [
      { credentials: 'insecure' },
      'credentials must be grpc-js ChannelCredentials, e.g. credentials.createSsl() or credentials.createInsecure() (got "insecure")',
    ],
  ])('%j', (overrides: Record<string, unknown>, message) => {
    const start = startUp(overrides);
    expect(start).toThrow(GrpcPoolOptionsError);
    expect(start).toThrow(
      PREFIX.replace('"ORDERS"', overrides.name === '' ? '""' : '"ORDERS"') + message,
    );
  });

  it('carries the client, field and rule on the error', () => {
    try {
      startUp({ pool: { maxChannels: 0 } })();
      throw new Error('expected a throw');
    } catch (error: unknown) {
      expect(error).toMatchObject({
        poolName: 'ORDERS',
        field: 'pool.maxChannels',
        rule: 'must be an integer >= 1 (got 0)',
      });
    }
  });

  it('names a symbol client by its description', () => {
    expect(startUp({ name: Symbol('BILLING'), pool: { maxChannels: 0 } })).toThrow(
      'Invalid options for gRPC pool Symbol(BILLING): pool.maxChannels',
    );
  });

  it('resolves a relative protoPath against loader.includeDirs', () => {
    const dir = ECHO_PROTO.slice(0, ECHO_PROTO.lastIndexOf('/'));
    const pool = startUp({ protoPath: 'echo.proto', loader: { includeDirs: [dir] } })();
    expect(pool.serviceNames()).toEqual(['EchoService', 'OtherService']);
    pool.close();
  });

  it('an xds: url with no bootstrap in the environment fails start-up, naming both variables', () => {
    // grpc-js-xds would read the bootstrap at the first call and fail each call with
    // "Cannot read properties of null (reading 'clientDefaultListenerResourceNameTemplate')".
    const { GRPC_XDS_BOOTSTRAP, GRPC_XDS_BOOTSTRAP_CONFIG } = process.env;
    delete process.env.GRPC_XDS_BOOTSTRAP;
    delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    try {
      for (const [url, field] of [
        ['xds:///orders', 'url'],
        [['127.0.0.1:1', 'xds:///orders'], 'url[1]'],
      ] as const) {
        expect(startUp({ url, pool: { minChannels: 0 } })).toThrow(
          `${PREFIX}${field} "xds:///orders" needs an xDS bootstrap: set GRPC_XDS_BOOTSTRAP (a file) or GRPC_XDS_BOOTSTRAP_CONFIG (the JSON) before the pool starts`,
        );
      }
    } finally {
      if (GRPC_XDS_BOOTSTRAP !== undefined) process.env.GRPC_XDS_BOOTSTRAP = GRPC_XDS_BOOTSTRAP;
      if (GRPC_XDS_BOOTSTRAP_CONFIG !== undefined)
        process.env.GRPC_XDS_BOOTSTRAP_CONFIG = GRPC_XDS_BOOTSTRAP_CONFIG;
    }
  });

  it('accepts every valid target shape (a host without a port means 443), and not its broken twin', () => {
    const valid = [
      'localhost',
      '127.0.0.1:50051',
      'orders.internal:443',
      '[::1]:50051',
      '[::1]',
      '::1',
      'dns:///orders.internal:50051',
      'dns://8.8.8.8:53/orders.internal:50051',
      'dns:orders.internal:50051',
      'ipv4:127.0.0.1:1,127.0.0.2:2',
      'ipv6:[::1]:50051,::2',
      'unix:/tmp/orders.sock',
      'unix:///tmp/orders.sock',
      'unix:relative.sock',
      'xds:///orders',
      // Fully qualified DNS names end with a dot.
      'localhost.:50051',
      'orders.internal.',
      'dns:///orders.internal.:50051',
      ['127.0.0.1:1', 'dns:///b:2', 'unix:/tmp/c.sock'],
    ];
    // xds: needs a bootstrap named in the environment (a pool with no channels never reads it).
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = '{}';
    try {
      for (const url of valid) startUp({ url, pool: { minChannels: 0 } })().close();
    } finally {
      delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    }
    expect(startUp({ url: 'orders.internal:65536' })).toThrow('url "orders.internal:65536"');
    expect(startUp({ url: 'orders..:1' })).toThrow('url "orders..:1" must be host:port');
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

  it('accepts valid options and opens nothing before start-up', () => {
    const pool = startUp({
      pool: { minChannels: 0, maxChannels: 1 },
      defaultCallOptions: { retry: false },
    })();
    expect(pool.stats().channels).toEqual([]);
    pool.close();
  });
});
