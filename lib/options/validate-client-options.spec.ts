import { describe, expect, it } from '@jest/globals';
import { ECHO_PACKAGE, ECHO_PROTO } from '../../test/support/protos.js';
import { PREFIX, startUp } from '../../test/support/start-up-with-options.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';

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
    [
      { defaultCallOptions: { timeoutMS: 100 } },
      'defaultCallOptions.timeoutMS is not a known option (known: timeoutMs, waitForReady, retry); did you mean timeoutMs?',
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

  it('accepts valid options and opens nothing before start-up', () => {
    const pool = startUp({
      pool: { minChannels: 0, maxChannels: 1 },
      defaultCallOptions: { retry: false },
    })();
    expect(pool.stats().channels).toEqual([]);
    pool.close();
  });
});
