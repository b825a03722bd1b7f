import { status } from '@grpc/grpc-js';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { firstValueFrom, lastValueFrom, of, Subject, toArray } from 'rxjs';
import { GrpcPoolModule, type GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;
/** libuv counts timers in whole milliseconds, so one can fire up to 1 ms early against performance.now(). */
const TIMER_SLACK_MS = 2;

const ECHO_LABELS = {
  grpc_type: 'unary',
  grpc_service: 'test.v1.EchoService',
  grpc_method: 'Echo',
};

/** The value of `name` whose labels include `labels`, from prom-client's own JSON; undefined when absent. */
async function valueOf(
  registry: Registry,
  name: string,
  labels: Record<string, string | number> = {},
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) =>
    Object.entries(labels).every(([k, want]) => v.labels[k] === want),
  );
  return value?.value;
}

describe('Prometheus metrics (prom-client)', () => {
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterEach(async () => closeTestPool(pool));
  afterAll(async () => server.close());

  it('counts calls with go-grpc-prometheus names and labels', async () => {
    const registry = new Registry();
    pool = createEchoPool(server.address, { prometheus: { registry } });
    const echo = pool.getService<EchoService>('EchoService');
    for (let i = 0; i < 7; i++) await firstValueFrom(echo.echo({ message: `m${i}` }));
    await failure(firstValueFrom(echo.echo({ message: 'x', failWith: status.DEADLINE_EXCEEDED })));
    expect(await valueOf(registry, 'grpc_client_started_total', ECHO_LABELS)).toBe(8);
    expect(
      await valueOf(registry, 'grpc_client_handled_total', { ...ECHO_LABELS, grpc_code: 'OK' }),
    ).toBe(7);
    expect(
      await valueOf(registry, 'grpc_client_handled_total', {
        ...ECHO_LABELS,
        grpc_code: 'DeadlineExceeded',
      }),
    ).toBe(1);
    expect(await valueOf(registry, 'grpc_client_msg_sent_total', ECHO_LABELS)).toBe(8);
    expect(await valueOf(registry, 'grpc_client_msg_received_total', ECHO_LABELS)).toBe(7);
    const text = await registry.metrics();
    expect(text).toContain(
      'grpc_client_handling_seconds_count{grpc_type="unary",grpc_service="test.v1.EchoService",grpc_method="Echo"} 8',
    );
    expect(text).toContain('# TYPE grpc_client_handling_seconds histogram');
  });

  it('labels streams by type and counts each message', async () => {
    const registry = new Registry();
    pool = createEchoPool(server.address, { prometheus: { registry } });
    const echo = pool.getService<EchoService>('EchoService');
    await lastValueFrom(echo.count({ count: 5, intervalMs: 0 }).pipe(toArray()));
    await firstValueFrom(echo.collect(of({ message: 'a' }, { message: 'b' }, { message: 'c' })));
    const count = {
      grpc_type: 'server_stream',
      grpc_service: 'test.v1.EchoService',
      grpc_method: 'Count',
    };
    const collect = {
      grpc_type: 'client_stream',
      grpc_service: 'test.v1.EchoService',
      grpc_method: 'Collect',
    };
    expect(await valueOf(registry, 'grpc_client_msg_received_total', count)).toBe(5);
    expect(await valueOf(registry, 'grpc_client_msg_sent_total', collect)).toBe(3);
    expect(
      await valueOf(registry, 'grpc_client_handled_total', { ...collect, grpc_code: 'OK' }),
    ).toBe(1);
  });

  it('reports the pool gauges as stats() has them', async () => {
    const registry = new Registry();
    pool = createEchoPool(server.address, {
      name: 'GAUGED',
      prometheus: { registry },
      pool: { minChannels: 2, maxChannels: 2, maxConcurrentCallsPerChannel: 1 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // Two slots, three calls: the third waits. The test ends each call's request stream, so the
    // gauges are read while the calls are where the test put them.
    const requests = [1, 2, 3].map(() => new Subject<{ message: string }>());
    const running = requests.map((stream) => firstValueFrom(echo.collect(stream)));
    try {
      await waitFor(() => server.active === 2, HANG_GUARD_MS, 'two calls to reach the server');
      expect(pool.stats()).toMatchObject({ inFlight: 2, queued: 1 });
      expect(await valueOf(registry, 'grpc_pool_calls_in_flight', { pool: 'GAUGED' })).toBe(2);
      expect(await valueOf(registry, 'grpc_pool_calls_queued', { pool: 'GAUGED' })).toBe(1);
    } finally {
      for (const stream of requests) stream.complete();
    }
    await Promise.all(running);
    const ready = pool.stats().channels.filter((c) => c.state === 'READY').length;
    expect(ready).toBe(2);
    expect(await valueOf(registry, 'grpc_pool_channels', { pool: 'GAUGED', state: 'READY' })).toBe(
      2,
    );
    expect(await valueOf(registry, 'grpc_pool_channels', { pool: 'GAUGED', state: 'IDLE' })).toBe(
      0,
    );
    expect(await valueOf(registry, 'grpc_pool_hit_rate', { pool: 'GAUGED' })).toBeCloseTo(
      pool.stats().hitRate,
      5,
    );
    expect(await valueOf(registry, 'grpc_pool_slot_acquisitions_total', { pool: 'GAUGED' })).toBe(
      3,
    );
    const text = await registry.metrics();
    expect(text).toMatch(/grpc_pool_queue_wait_seconds_count\{pool="GAUGED"\} 1/);
  });

  it('counts outlier ejections', async () => {
    const registry = new Registry();
    const bad = await startEchoServer();
    bad.failEverything(status.UNAVAILABLE);
    const servers = [server, await startEchoServer(), bad];
    // No maximum age here: a channel replaced halfway through the calls must not blur the count.
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        name: 'FLEET',
        prometheus: { registry },
        pool: {
          maxChannels: 3,
          outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 600_000 },
        },
        defaultCallOptions: { retry: false },
      },
    );
    try {
      await waitFor(
        () => pool!.stats().channels.every((c) => c.state === 'READY'),
        HANG_GUARD_MS,
        'three READY channels',
      );
      const echo = pool.getService<EchoService>('EchoService');
      for (let i = 0; i < 12; i++)
        await firstValueFrom(echo.echo({ message: `${i}` })).catch(() => 0);
      expect(pool.stats().channels.some((c) => c.ejected)).toBe(true);
      expect(await valueOf(registry, 'grpc_pool_outlier_ejections_total', { pool: 'FLEET' })).toBe(
        1,
      );
    } finally {
      await closeTestPool(pool, servers[1], bad);
      pool = undefined;
    }
  });

  it('counts channel replacements by reason', async () => {
    const registry = new Registry();
    pool = createEchoPool(server.address, {
      name: 'AGED',
      prometheus: { registry },
      pool: { minChannels: 3, maxChannels: 3, maxConnectionAgeMs: 300 },
    });
    const replacements = async (): Promise<number> =>
      (await valueOf(registry, 'grpc_pool_channel_replacements_total', {
        pool: 'AGED',
        reason: 'max_age',
      })) ?? 0;
    // Each channel reaches its maximum age (300 ms, minus jitter) and is replaced: the outcome
    // is counted here; when it happens is the pool's timing, not this test's.
    await waitFor(
      async () => (await replacements()) >= 3,
      HANG_GUARD_MS,
      'three max_age replacements',
    );
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'after' }))).message).toBe('after');
  });

  it('starts its counters from zero on registry.resetMetrics(), as prom-client counters do', async () => {
    const registry = new Registry();
    pool = createEchoPool(server.address, { name: 'RESET', prometheus: { registry } });
    const echo = pool.getService<EchoService>('EchoService');
    for (let i = 0; i < 3; i++) await firstValueFrom(echo.echo({ message: `${i}` }));
    registry.resetMetrics();
    await firstValueFrom(echo.echo({ message: 'after' }));
    const ok = { ...ECHO_LABELS, grpc_code: 'OK' };
    expect(await valueOf(registry, 'grpc_client_handled_total', ok)).toBe(1);
    expect(await valueOf(registry, 'grpc_client_started_total', ECHO_LABELS)).toBe(1);
    expect(await valueOf(registry, 'grpc_pool_slot_acquisitions_total', { pool: 'RESET' })).toBe(1);
    expect(await registry.metrics()).toMatch(
      /grpc_client_handling_seconds_count\{grpc_type="unary",grpc_service="test.v1.EchoService",grpc_method="Echo"\} 1/,
    );
  });

  it('a Nest start-up that fails on a later client leaves no gauges of the earlier one', async () => {
    const good = new Registry();
    const taken = new Registry();
    new Counter({ name: 'grpc_pool_channels', help: 'theirs', registers: [taken] });
    const client = (name: string, registry: Registry) => ({
      name,
      package: ECHO_PACKAGE,
      protoPath: ECHO_PROTO,
      url: server.address,
      prometheus: { registry },
    });
    await expect(
      Test.createTestingModule({
        imports: [
          GrpcPoolModule.register({ clients: [client('GOOD', good), client('BAD', taken)] }),
        ],
      }).compile(),
    ).rejects.toThrow('prometheus.registry already has a metric named grpc_pool_channels');
    expect(
      await valueOf(good, 'grpc_pool_channels', { pool: 'GOOD', state: 'IDLE' }),
    ).toBeUndefined();
  });

  it('shares one registry between pools and registrations without "already registered"', async () => {
    const registry = new Registry();
    const first = createEchoPool(server.address, { name: 'ONE', prometheus: { registry } });
    const second = createEchoPool(server.address, { name: 'TWO', prometheus: { registry } });
    try {
      await firstValueFrom(first.getService<EchoService>('EchoService').echo({ message: '1' }));
      await firstValueFrom(second.getService<EchoService>('EchoService').echo({ message: '2' }));
      expect(
        await valueOf(registry, 'grpc_client_handled_total', { ...ECHO_LABELS, grpc_code: 'OK' }),
      ).toBe(2);
      expect(await valueOf(registry, 'grpc_pool_calls_in_flight', { pool: 'ONE' })).toBe(0);
      expect(await valueOf(registry, 'grpc_pool_calls_in_flight', { pool: 'TWO' })).toBe(0);
    } finally {
      await closeTestPool(first);
    }
    // A closed pool leaves the gauges; the other stays.
    expect(await valueOf(registry, 'grpc_pool_calls_in_flight', { pool: 'ONE' })).toBeUndefined();
    expect(await valueOf(registry, 'grpc_pool_calls_in_flight', { pool: 'TWO' })).toBe(0);
    await closeTestPool(second);
  });

  it.each(['grpc_client_started_total', 'grpc_client_handled_total', 'grpc_pool_channels'])(
    'fails start-up naming the client and the metric when something else registered %s, and leaves the registry as it was',
    (taken) => {
      const registry = new Registry();
      new Counter({ name: taken, help: 'theirs', registers: [registry] });
      const attempt = (): unknown => createEchoPool(server.address, { prometheus: { registry } });
      const message =
        `Invalid options for gRPC pool "ECHO": prometheus.registry already has a metric named ${taken} ` +
        'that the pool did not register';
      expect(attempt).toThrow(message);
      expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual([taken]);
      // The same again (a second pool, a hot reload) fails the same way, not with a stranger error.
      expect(attempt).toThrow(message);
    },
  );

  it('counts a retried call’s request once, as the caller sent it', async () => {
    const registry = new Registry();
    pool = createEchoPool(server.address, {
      prometheus: { registry },
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
      methods: { 'EchoService/Echo': { idempotent: true } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(
      echo.echo({ message: 'r', failWith: status.UNAVAILABLE, failTimes: 2, key: 'prom-retry' }),
    );
    expect(await valueOf(registry, 'grpc_client_msg_sent_total', ECHO_LABELS)).toBe(1);
    expect(await valueOf(registry, 'grpc_client_msg_received_total', ECHO_LABELS)).toBe(1);
    // Retries use the same code names as grpc_client_handled_total, so the two join on grpc_code.
    expect(
      await valueOf(registry, 'grpc_pool_retries_total', {
        pool: 'ECHO',
        grpc_service: 'test.v1.EchoService',
        grpc_method: 'Echo',
        grpc_code: 'Unavailable',
      }),
    ).toBe(2);
  });

  it('records the wait of calls that gave up in the queue', async () => {
    const ACQUIRE_TIMEOUT_MS = 100;
    const registry = new Registry();
    pool = createEchoPool(server.address, {
      name: 'GIVEUP',
      prometheus: { registry },
      pool: {
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 1,
        acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // The holder keeps the only slot until the test ends its request stream.
    const holdRequests = new Subject<{ message: string }>();
    const holder = firstValueFrom(echo.collect(holdRequests));
    try {
      const gaveUp = await failure(firstValueFrom(echo.echo({ message: 'waits' })));
      expect(gaveUp.code).toBe(status.RESOURCE_EXHAUSTED);
    } finally {
      holdRequests.complete();
    }
    await holder;
    const text = await registry.metrics();
    expect(text).toMatch(/grpc_pool_queue_wait_seconds_count\{pool="GIVEUP"\} 1/);
    // It gave up when acquireTimeoutMs ran out, not before (a loaded machine only makes it later).
    expect(pool.stats().phasesMs.slotWait.p99!).toBeGreaterThanOrEqual(
      ACQUIRE_TIMEOUT_MS - TIMER_SLACK_MS,
    );
  });

  it('sums two open pools of one name, and its counters never go down when one closes', async () => {
    const registry = new Registry();
    const twin = (): GrpcPool =>
      createEchoPool(server.address, {
        name: 'TWIN',
        prometheus: { registry },
        pool: { minChannels: 2, maxChannels: 2 },
      });
    const first = twin();
    const second = twin();
    pool = second; // closed after the test even if it fails
    try {
      await waitFor(
        () => [first, second].every((p) => p.stats().channels.every((c) => c.state === 'READY')),
        HANG_GUARD_MS,
        'both pools READY',
      );
      for (const p of [first, second]) {
        await firstValueFrom(p.getService<EchoService>('EchoService').echo({ message: 't' }));
      }
      expect(await valueOf(registry, 'grpc_pool_channels', { pool: 'TWIN', state: 'READY' })).toBe(
        4,
      );
      expect(await valueOf(registry, 'grpc_pool_slot_acquisitions_total', { pool: 'TWIN' })).toBe(
        2,
      );
    } finally {
      await closeTestPool(first);
    }
    expect(await valueOf(registry, 'grpc_pool_channels', { pool: 'TWIN', state: 'READY' })).toBe(2);
    expect(await valueOf(registry, 'grpc_pool_slot_acquisitions_total', { pool: 'TWIN' })).toBe(2);
    await closeTestPool(second);
    expect(
      await valueOf(registry, 'grpc_pool_channels', { pool: 'TWIN', state: 'READY' }),
    ).toBeUndefined();
    expect(await valueOf(registry, 'grpc_pool_slot_acquisitions_total', { pool: 'TWIN' })).toBe(2);
  });

  it('a pool re-created under a closed one’s name reports its own hit rate; the slot counters keep both', async () => {
    const registry = new Registry();
    const reused = (): GrpcPool =>
      createEchoPool(server.address, {
        name: 'REUSED',
        prometheus: { registry },
        pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
      });
    const first = reused();
    pool = first; // closed after the test even if it fails
    const echo = first.getService<EchoService>('EchoService');
    // The holder keeps the only slot until the test ends its request stream: three calls miss.
    const holdRequests = new Subject<{ message: string }>();
    const holder = firstValueFrom(echo.collect(holdRequests));
    const waiting = [1, 2, 3].map((i) => firstValueFrom(echo.echo({ message: `w${i}` })));
    try {
      await waitFor(() => first.stats().queued === 3, HANG_GUARD_MS, 'three calls to queue');
    } finally {
      holdRequests.complete();
    }
    await Promise.all([holder, ...waiting]);
    const firstStats = first.stats();
    expect(firstStats.hitRate).toBeLessThanOrEqual(0.25);
    await closeTestPool(first);

    const second = reused();
    pool = second;
    await waitFor(
      () => second.stats().channels.some((c) => c.state === 'READY'),
      HANG_GUARD_MS,
      'the new pool READY',
    );
    const again = second.getService<EchoService>('EchoService');
    for (let i = 0; i < 4; i++) await firstValueFrom(again.echo({ message: `h${i}` }));
    const secondStats = second.stats();
    expect(secondStats.hitRate).toBe(1);

    expect(await valueOf(registry, 'grpc_pool_hit_rate', { pool: 'REUSED' })).toBe(
      secondStats.hitRate,
    );
    // Counters are totals: the closed pool's four slots stay counted under the name.
    expect(await valueOf(registry, 'grpc_pool_slot_acquisitions_total', { pool: 'REUSED' })).toBe(
      8,
    );
  });

  it.each([
    [{ registry: {} }, /prometheus\.registry must be a prom-client Registry/],
    [{ buckets: [0.1, 0.05] }, /prometheus\.buckets\[1\] must be .* greater than 0\.1/],
    [{ buckets: [] }, /prometheus\.buckets must be an array of 1 to 64/],
    // A hole in the array is no bound (forEach would skip it).
    [
      // eslint-disable-next-line no-sparse-arrays -- the hole is what this row tests
      { buckets: [0.1, , 0.5] },
      /prometheus\.buckets\[1\] must be a finite number .* \(got undefined\)/,
    ],
    [{ registy: 1 }, /prometheus\.registy is not a known option.*did you mean registry/],
    ['yes', /prometheus must be a boolean or \{ registry\?, buckets\? \} \(got "yes"\)/],
  ])('rejects prometheus: %j at start-up', (prometheus, message) => {
    expect(() => createEchoPool(server.address, { prometheus: prometheus as never })).toThrow(
      message,
    );
  });

  it.each([
    ['yes', 'telemetry must be a boolean or { metrics?, tracing?, messageSizes? } (got "yes")'],
    [{ metrics: 1 }, 'telemetry.metrics must be a boolean (got 1)'],
    [
      { tracing: true, extra: 1 },
      'telemetry.extra is not a known option (known: metrics, tracing, messageSizes)',
    ],
  ])('rejects telemetry: %j at start-up', (telemetry, message) => {
    expect(() => createEchoPool(server.address, { telemetry: telemetry as never })).toThrow(
      `Invalid options for gRPC pool "ECHO": ${message}`,
    );
  });

  it('a client’s own prometheus fields keep the module’s others (its buckets, the module’s registry)', async () => {
    const registry = new Registry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        GrpcPoolModule.register({
          prometheus: { registry },
          clients: [
            {
              name: 'NEST',
              package: ECHO_PACKAGE,
              protoPath: ECHO_PROTO,
              url: server.address,
              prometheus: { buckets: [0.5, 5] },
            },
          ],
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const nest = moduleRef.get<GrpcPool>('NEST', { strict: false });
      await firstValueFrom(nest.getService<EchoService>('EchoService').echo({ message: 'b' }));
      const text = await registry.metrics();
      expect(text).toContain('grpc_client_handling_seconds_bucket{le="0.5",');
      expect(text).not.toContain('grpc_client_handling_seconds_bucket{le="0.005",');
    } finally {
      await moduleRef.close();
    }
  });

  it.each([
    [
      'register',
      (registry: Registry) =>
        GrpcPoolModule.register({
          prometheus: { registry },
          clients: [
            { name: 'NEST', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
          ],
        }),
    ],
    [
      'forRoot',
      (registry: Registry) => {
        @Module({
          imports: [
            GrpcPoolModule.forRoot({ defaults: {}, prometheus: { registry } }),
            GrpcPoolModule.register({
              clients: [
                { name: 'NEST', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
              ],
            }),
          ],
          exports: [GrpcPoolModule],
        })
        class WithRoot {}
        return WithRoot;
      },
    ],
    [
      'registerAsync',
      (registry: Registry) =>
        GrpcPoolModule.registerAsync({
          prometheus: { registry },
          clients: [
            {
              name: 'NEST',
              useFactory: () => ({
                package: ECHO_PACKAGE,
                protoPath: ECHO_PROTO,
                url: server.address,
              }),
            },
          ],
        }),
    ],
  ])(
    'turns on for the clients of GrpcPoolModule.%s, twice in one registry',
    async (_form, imported) => {
      const registry = new Registry();
      for (const round of [1, 2]) {
        const moduleRef = await Test.createTestingModule({
          imports: [imported(registry)],
        }).compile();
        await moduleRef.init();
        const nest = moduleRef.get<GrpcPool>('NEST', { strict: false });
        await firstValueFrom(nest.getService<EchoService>('EchoService').echo({ message: 'n' }));
        await moduleRef.close();
        expect(
          await valueOf(registry, 'grpc_client_handled_total', { ...ECHO_LABELS, grpc_code: 'OK' }),
        ).toBe(round);
      }
    },
  );
});
