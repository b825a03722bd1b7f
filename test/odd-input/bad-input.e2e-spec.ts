import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom, lastValueFrom, of, type Observable } from 'rxjs';
import {
  GrpcPoolModule,
  GrpcPoolOptionsError,
  GrpcTimeout,
  type GrpcPool,
  type GrpcPoolClientOptions,
} from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { expectCountsAddUp } from '../support/counts-add-up.js';
import { createEchoPool, type EchoReply, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';

/** 2^31 ms: Node runs such a timer after 1 ms. 4e14 ms: more than grpc-js can send (3.6e14). */
const TOO_LONG_FOR_A_TIMER = 2 ** 31;
const TOO_FAR_FOR_GRPC = 4e14;
/**
 * How long a call waits for the one slot: only a hang guard, since every test first checks
 * that nothing is in flight or queued (so the next call gets the slot at once).
 */
const HANG_GUARD_MS = 10_000;

/** Arguments as a careless caller passes them: the types say nothing about what is wrong. */
type Loose = never;
const bad = (value: unknown): Loose => value as Loose;

/** One bad call per row: [what, the option the error must name, the call]. */
const perCall: [string, string, (echo: EchoService) => Observable<unknown>][] = [
  // Too far for grpc-js: before the fix, it threw inside a promise and the process exited.
  ...(
    [
      ['unary', (echo, o) => echo.echo({ message: 'x' }, undefined, o)],
      ['server stream', (echo, o) => echo.count({ count: 2, intervalMs: 1 }, undefined, o)],
      ['client stream', (echo, o) => echo.collect(of({ message: 'x' }), undefined, o)],
      ['bidi stream', (echo, o) => echo.chat(of({ message: 'x' }), undefined, o)],
    ] as [string, (echo: EchoService, options: Loose) => Observable<EchoReply>][]
  ).flatMap(([kind, call]): [string, string, (echo: EchoService) => Observable<unknown>][] => [
    [
      `${kind}: timeoutMs 4e14`,
      'options.timeoutMs',
      (e) => call(e, bad({ timeoutMs: TOO_FAR_FOR_GRPC })),
    ],
    [
      `${kind}: interceptors [null]`,
      'options.interceptors[0]',
      (e) => call(e, bad({ interceptors: [null] })),
    ],
    [`${kind}: timeoutMS (a typo)`, 'options.timeoutMS', (e) => call(e, bad({ timeoutMS: 100 }))],
  ]),
  [
    'timeoutMs 2^31',
    'options.timeoutMs',
    (e) => e.echo({}, undefined, { timeoutMs: TOO_LONG_FOR_A_TIMER }),
  ],
  [
    'deadline 4e14 ms ahead',
    'options.deadline',
    (e) => e.echo({}, undefined, { deadline: Date.now() + TOO_FAR_FOR_GRPC }),
  ],
  [
    'interceptors [undefined]',
    'options.interceptors[0]',
    (e) => e.echo({}, undefined, bad({ interceptors: [undefined] })),
  ],
  [
    'interceptors [{ beforeAttempt: "x" }]',
    'options.interceptors[0].beforeAttempt',
    (e) => e.echo({}, undefined, bad({ interceptors: [{ beforeAttempt: 'x' }] })),
  ],
  [
    // grpc-js composed it inside a promise no one catches: the process exited.
    'credentials {} (not CallCredentials)',
    'options.credentials must be grpc-js CallCredentials',
    (e) => e.echo({}, undefined, bad({ credentials: {} })),
  ],
  [
    'interceptors "abc"',
    'options.interceptors',
    (e) => e.echo({}, undefined, bad({ interceptors: 'abc' })),
  ],
  [
    'waitForReady "no"',
    'options.waitForReady',
    (e) => e.echo({}, undefined, bad({ waitForReady: 'no' })),
  ],
  [
    'retry with a 2^31 backoff',
    'options.retry.maxBackoffMs',
    (e) => e.echo({}, undefined, { retry: { maxBackoffMs: TOO_LONG_FOR_A_TIMER } }),
  ],
  [
    'options that are not an object',
    'options (the third argument)',
    (e) => e.echo({}, undefined, bad('fast')),
  ],
  [
    'a plain object as metadata',
    'metadata (the second argument) must be a grpc-js Metadata',
    (e) => e.echo({}, bad({ authorization: 'Bearer x' })),
  ],
  [
    'options passed as metadata',
    'metadata (the second argument) must be a grpc-js Metadata',
    (e) => e.echo({}, bad({ timeoutMs: 100 })),
  ],
];

/** Client options that must fail start-up: [what, the field the error must name, the options]. */
const atStartUp: [string, string, Partial<Record<keyof GrpcPoolClientOptions, unknown>>][] = [
  [
    'defaultCallOptions.timeoutMs 4e14',
    'defaultCallOptions.timeoutMs must be <= 2147483647',
    { defaultCallOptions: { timeoutMs: TOO_FAR_FOR_GRPC } },
  ],
  [
    'pool.acquireTimeoutMs 2^31',
    'pool.acquireTimeoutMs must be <= 2147483647',
    { pool: { acquireTimeoutMs: TOO_LONG_FOR_A_TIMER } },
  ],
  [
    'pool.idleTimeoutMs 2^31',
    'pool.idleTimeoutMs must be <= 2147483647',
    { pool: { idleTimeoutMs: TOO_LONG_FOR_A_TIMER } },
  ],
  [
    'pool.connectTimeoutMs 2^31',
    'pool.connectTimeoutMs must be <= 2147483647',
    { pool: { connectTimeoutMs: TOO_LONG_FOR_A_TIMER } },
  ],
  [
    'pool.maxConnectionAgeMs 2^31',
    'pool.maxConnectionAgeMs must be <= 2147483647',
    { pool: { maxConnectionAgeMs: TOO_LONG_FOR_A_TIMER } },
  ],
  [
    'drainTimeoutMs 2^31',
    'drainTimeoutMs must be <= 2147483647',
    { drainTimeoutMs: TOO_LONG_FOR_A_TIMER },
  ],
  [
    'startup.timeoutMs 2^31',
    'startup.timeoutMs must be <= 2147483647',
    { startup: { timeoutMs: TOO_LONG_FOR_A_TIMER } },
  ],
  [
    'retry backoff 2^31',
    'defaultCallOptions.retry.initialBackoffMs must be <= 2147483647',
    { defaultCallOptions: { retry: { initialBackoffMs: TOO_LONG_FOR_A_TIMER } } },
  ],
  [
    'keepalive 2^31',
    'keepalive.keepaliveTimeMs must be <= 2147483647',
    { keepalive: { keepaliveTimeMs: TOO_LONG_FOR_A_TIMER } },
  ],
  ['url "http://x"', 'url "http://x" has an unknown scheme', { url: 'http://x' }],
  ['url "not a url"', 'url "not a url" must not contain spaces', { url: 'not a url' }],
  ['url "[::1"', 'url "[::1" has an unclosed "["', { url: '[::1' }],
  [
    'url port 99999',
    'url "127.0.0.1:99999" must have a port from 1 to 65535',
    { url: '127.0.0.1:99999' },
  ],
  [
    'url port 0 in a list',
    'url[1] "127.0.0.1:0" must have a port from 1 to 65535',
    { url: ['127.0.0.1:1', '127.0.0.1:0'] },
  ],
  [
    'channelOptions max_send_message_length "abc"',
    'channelOptions["grpc.max_send_message_length"] must be an integer',
    { channelOptions: { 'grpc.max_send_message_length': 'abc' } },
  ],
  [
    'channelOptions compression "gzip"',
    'channelOptions["grpc.default_compression_algorithm"] must be 0 (identity), 1 (deflate) or 2 (gzip)',
    { channelOptions: { 'grpc.default_compression_algorithm': 'gzip' } },
  ],
];

describe('bad input: every case fails by name, and nothing is held', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoService;

  beforeAll(async () => {
    server = await startEchoServer();
    // One slot in all: a bad call that kept it would make the next call wait, then fail.
    pool = createEchoPool(server.address, {
      pool: {
        minChannels: 1,
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 1,
        acquireTimeoutMs: HANG_GUARD_MS,
      },
    });
    echo = pool.getService<EchoService>('EchoService');
  });
  afterAll(async () => {
    await closeTestPool(pool, server);
  });

  /** Nothing in flight or queued, the counts add up, and the one slot serves the next call. */
  async function expectNothingHeld(): Promise<void> {
    const { inFlight, queued } = pool.stats();
    expect({ inFlight, queued }).toEqual({ inFlight: 0, queued: 0 });
    await expectCountsAddUp(pool);
    expect((await firstValueFrom(echo.echo({ message: 'next' }))).message).toBe('next');
  }

  it.each(perCall)('per call, %s: INVALID_ARGUMENT naming %s', async (_what, field, call) => {
    const failedBefore = pool.stats().calls.byCode.INVALID_ARGUMENT ?? 0;
    const error = await failure(lastValueFrom(call(echo)));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(field);
    expect(error.details).toMatch(/^Invalid call to gRPC pool "ECHO": /);
    // An invalid call counts as started and failed, like any call that fails.
    expect(pool.stats().calls.byCode.INVALID_ARGUMENT).toBe(failedBefore + 1);
    await expectNothingHeld();
  });

  it('@GrpcTimeout and isHealthy() durations have the same bound: 2^31 ms fails by name', async () => {
    expect(() => GrpcTimeout(TOO_LONG_FOR_A_TIMER)).toThrow(
      '@GrpcTimeout(ms): ms must be <= 2147483647 (about 24.8 days, the longest timer Node can set) (got 2147483648)',
    );
    await expect(pool.checkHealth({ timeoutMs: TOO_LONG_FOR_A_TIMER })).rejects.toThrow(
      'Invalid options for gRPC pool "ECHO": isHealthy.timeoutMs must be <= 2147483647',
    );
  });

  it('suggests the option a typo meant', async () => {
    const error = await failure(firstValueFrom(echo.echo({}, undefined, bad({ timeoutMS: 100 }))));
    expect(error.details).toContain('options.timeoutMS is not a known option');
    expect(error.details).toContain('did you mean timeoutMs?');
  });

  it('takes a timeout up to 2147483647 ms and deadline Infinity (none); one ms more fails', async () => {
    const longest = { timeoutMs: 2_147_483_647 };
    expect((await firstValueFrom(echo.echo({ message: 'max' }, undefined, longest))).message).toBe(
      'max',
    );
    const none = { deadline: Infinity };
    expect((await firstValueFrom(echo.echo({ message: 'inf' }, undefined, none))).message).toBe(
      'inf',
    );
    const longer = { timeoutMs: 2_147_483_648 };
    const error = await failure(firstValueFrom(echo.echo({}, undefined, longer)));
    expect(error.details).toContain(
      'options.timeoutMs must be <= 2147483647 (about 24.8 days, the longest timer Node can set) (got 2147483648)',
    );
  });

  describe('getClientByServiceName: grpc-js call options only, checked before a slot is taken', () => {
    type Callback = (error: ServiceError | null, reply?: EchoReply) => void;
    interface CallbackEcho {
      echo(request: object, ...rest: unknown[]): unknown;
      count(
        request: object,
        ...rest: unknown[]
      ): { on(event: string, listener: () => void): unknown };
    }
    const noop: Callback = () => undefined;

    it.each([
      [
        'timeoutMs (a pool option) in place of metadata',
        'options.timeoutMs is not a grpc-js call option',
        (c: CallbackEcho) => c.echo({}, { timeoutMs: 5 }, noop),
      ],
      [
        'a plain object as metadata',
        'options.authorization is not a grpc-js call option',
        (c: CallbackEcho) => c.echo({}, { authorization: 'x' }, noop),
      ],
      [
        'deadline 4e14 ms ahead',
        'options.deadline',
        (c: CallbackEcho) =>
          c.echo({}, new Metadata(), { deadline: Date.now() + TOO_FAR_FOR_GRPC }, noop),
      ],
      [
        'credentials {} (not CallCredentials)',
        'options.credentials must be grpc-js CallCredentials',
        (c: CallbackEcho) => c.echo({}, new Metadata(), { credentials: {} }, noop),
      ],
      [
        'a call interceptor object',
        'options.interceptors[0] must be a grpc-js interceptor',
        (c: CallbackEcho) =>
          c.count({ count: 1, intervalMs: 1 }, new Metadata(), { interceptors: [{}] }),
      ],
    ])('%s: throws INVALID_ARGUMENT naming %s', async (_what, field, call) => {
      const client = pool.getClientByServiceName<CallbackEcho>('EchoService');
      let thrown: unknown;
      try {
        call(client);
      } catch (error: unknown) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect((thrown as ServiceError).details).toContain(field);
      const reply = await new Promise<EchoReply>((resolve, reject) =>
        client.echo({ message: 'cb' }, (error: ServiceError | null, value?: EchoReply) =>
          error ? reject(error) : resolve(value!),
        ),
      );
      expect(reply.message).toBe('cb');
      await expectNothingHeld();
    });
  });

  it.each(atStartUp)('at start-up, %s: fails naming %s', async (_what, message, overrides) => {
    const compile = Test.createTestingModule({
      imports: [
        GrpcPoolModule.register({
          clients: [
            {
              name: 'ORDERS',
              package: ECHO_PACKAGE,
              protoPath: ECHO_PROTO,
              url: server.address,
              ...overrides,
            } as GrpcPoolClientOptions,
          ],
        }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(GrpcPoolOptionsError);
    await expect(compile).rejects.toThrow(`Invalid options for gRPC pool "ORDERS": ${message}`);
  });

  /** Module forms whose mistake shows only when Nest builds the providers: [what, message, imports]. */
  const clientOf = (): GrpcPoolClientOptions => ({
    name: 'ORDERS',
    package: ECHO_PACKAGE,
    protoPath: ECHO_PROTO,
    url: server.address,
  });
  class NoFactoryMethod {}
  @Module({ providers: [NoFactoryMethod], exports: [NoFactoryMethod] })
  class NoFactoryMethodModule {}
  const rootAsync = (result: unknown) => [
    GrpcPoolModule.forRootAsync({ useFactory: () => bad(result) }),
    GrpcPoolModule.register({ clients: [clientOf()] }),
  ];
  it.each<[string, string, () => DynamicModule[]]>([
    [
      'forRootAsync factory returns the defaults without the defaults wrapper',
      'GrpcPoolModule.forRootAsync(): useFactory().pool is a client option: return it inside defaults',
      () => rootAsync({ pool: { maxChannels: 0 } }),
    ],
    [
      'forRootAsync factory returns null',
      'GrpcPoolModule.forRootAsync(): useFactory() must return { defaults: {...} } (got null)',
      () => rootAsync(null),
    ],
    [
      'forRootAsync factory returns an unknown key',
      'GrpcPoolModule.forRootAsync(): useFactory().tracing is not a known option (known: defaults, prometheus)',
      () => rootAsync({ defaults: {}, tracing: true }),
    ],
    [
      'forRootAsync factory returns defaults.name',
      'GrpcPoolModule.forRootAsync(): useFactory().defaults.name is not a known option',
      () => rootAsync({ defaults: { name: 'X' } }),
    ],
    [
      'a forRootAsync default with a typo',
      'gRPC pool "ORDERS": forRoot defaults: pool.maxChanels is not a known option',
      () => rootAsync({ defaults: { pool: { maxChanels: 2 } } }),
    ],
    [
      'registerAsync useClass without createGrpcPoolOptions()',
      'gRPC pool "ORDERS": useClass must provide a createGrpcPoolOptions() method (NoFactoryMethod has none)',
      () => [
        GrpcPoolModule.registerAsync({
          clients: [{ name: 'ORDERS', useClass: bad(NoFactoryMethod) }],
        }),
      ],
    ],
    [
      'registerAsync useExisting without createGrpcPoolOptions()',
      'gRPC pool "ORDERS": useExisting must provide a createGrpcPoolOptions() method (NoFactoryMethod has none)',
      () => [
        GrpcPoolModule.registerAsync({
          clients: [
            { name: 'ORDERS', imports: [NoFactoryMethodModule], useExisting: bad(NoFactoryMethod) },
          ],
        }),
      ],
    ],
  ])('at start-up, %s: fails naming it', async (_what, message, imports) => {
    const compile = Test.createTestingModule({ imports: imports() }).compile();
    await expect(compile).rejects.toThrow(GrpcPoolOptionsError);
    await expect(compile).rejects.toThrow(`Invalid options for ${message}`);
  });

  it('a bad forRoot default is blamed on the defaults, a bad client value on the client', async () => {
    const start = (defaults: unknown, pool?: unknown) =>
      Test.createTestingModule({
        imports: [
          GrpcPoolModule.forRoot(bad({ defaults })),
          GrpcPoolModule.register({ clients: [{ ...clientOf(), pool: bad(pool) }] }),
        ],
      }).compile();
    const fromDefaults =
      'Invalid options for gRPC pool "ORDERS": forRoot defaults: pool.maxChannels must be an integer >= 1 (got "4")';
    // The client's `pool: undefined` (and a nested undefined) keeps the default: it is not erased.
    await expect(start({ pool: { maxChannels: '4' } })).rejects.toThrow(fromDefaults);
    await expect(start({ pool: { maxChannels: '4' } }, { maxChannels: undefined })).rejects.toThrow(
      fromDefaults,
    );
    await expect(start({ pool: { maxChannels: 2 } }, { maxChannels: 0 })).rejects.toThrow(
      'Invalid options for gRPC pool "ORDERS": pool.maxChannels must be an integer >= 1 (got 0)',
    );
  });

  it.each([
    [
      'register({})',
      () => GrpcPoolModule.register(bad({})),
      'GrpcPoolModule.register(): clients must be an array',
    ],
    [
      'register({ clients: [null] })',
      () => GrpcPoolModule.register(bad({ clients: [null] })),
      'GrpcPoolModule.register(): clients[0] must be an object (got null)',
    ],
    [
      'an unknown top-level key',
      () => GrpcPoolModule.register(bad({ clients: [], tracing: true })),
      'GrpcPoolModule.register(): options.tracing is not a known option',
    ],
    [
      'an unknown registerAsync key',
      () => GrpcPoolModule.registerAsync(bad({ clients: [], tracing: true })),
      'GrpcPoolModule.registerAsync(): options.tracing is not a known option',
    ],
    [
      'an unknown forRoot key',
      () => GrpcPoolModule.forRoot(bad({ defaults: {}, tracing: true })),
      'GrpcPoolModule.forRoot(): options.tracing is not a known option',
    ],
    [
      'one name twice',
      () =>
        GrpcPoolModule.register({
          clients: [
            { name: 'ORDERS', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
            { name: 'ORDERS', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: '127.0.0.1:1' },
          ],
        }),
      'gRPC pool "ORDERS": name is registered twice in one GrpcPoolModule.register() (clients[0] and clients[1])',
    ],
  ])('module options, %s: the options error, naming the field', (_what, declare, message) => {
    expect(declare).toThrow(GrpcPoolOptionsError);
    expect(declare).toThrow(`Invalid options for ${message}`);
  });
});
