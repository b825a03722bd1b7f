import { status } from '@grpc/grpc-js';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { GrpcPoolModule, type GrpcPool } from '../lib/index.js';
import { closeTestPool } from './support/close-test-pool.js';
import { createEchoPool, type EchoService } from './support/echo-client.js';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { failure } from './support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './support/protos.js';
import { waitFor } from './support/wait-for.js';

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
    const running = [1, 2, 3].map((i) =>
      firstValueFrom(echo.slow({ delayMs: 200, message: `${i}` })),
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    const stats = pool.stats();
    expect(await valueOf(registry, 'grpc_pool_calls_in_flight', { pool: 'GAUGED' })).toBe(
      stats.inFlight,
    );
    expect(await valueOf(registry, 'grpc_pool_calls_queued', { pool: 'GAUGED' })).toBe(1);
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

  it('counts outlier ejections and channel replacements by reason', async () => {
    const registry = new Registry();
    const bad = await startEchoServer();
    bad.failEverything(status.UNAVAILABLE);
    const servers = [server, await startEchoServer(), bad];
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        name: 'FLEET',
        prometheus: { registry },
        pool: {
          maxChannels: 3,
          maxConnectionAgeMs: 300,
          outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 60_000 },
        },
        defaultCallOptions: { retry: false },
      },
    );
    try {
      await waitFor(() => pool!.stats().channels.every((c) => c.state === 'READY'));
      const echo = pool.getService<EchoService>('EchoService');
      for (let i = 0; i < 12; i++)
        await firstValueFrom(echo.echo({ message: `${i}` })).catch(() => 0);
      expect(pool.stats().channels.some((c) => c.ejected)).toBe(true);
      expect(await valueOf(registry, 'grpc_pool_outlier_ejections_total', { pool: 'FLEET' })).toBe(
        1,
      );
      // Each channel reaches its maximum age (300 ms, minus jitter) and is replaced.
      await waitFor(
        async () =>
          ((await valueOf(registry, 'grpc_pool_channel_replacements_total', {
            pool: 'FLEET',
            reason: 'max_age',
          })) ?? 0) >= 3,
        5000,
        'three max_age replacements',
      );
    } finally {
      await closeTestPool(pool, servers[1], bad);
      pool = undefined;
    }
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

  it('fails start-up clearly when something else owns the metric names', () => {
    const registry = new Registry();
    new Counter({ name: 'grpc_client_started_total', help: 'theirs', registers: [registry] });
    expect(() => createEchoPool(server.address, { prometheus: { registry } })).toThrow(
      /prometheus.*grpc_client_started_total is free/,
    );
  });

  it.each([
    [{ registry: {} }, /prometheus\.registry must be a prom-client Registry/],
    [{ buckets: [0.1, 0.05] }, /prometheus\.buckets\[1\] must be .* greater than 0\.1/],
    [{ buckets: [] }, /prometheus\.buckets must be an array of 1 to 64/],
    [{ registy: 1 }, /prometheus\.registy is not a known option.*did you mean registry/],
    ['yes', /prometheus must be an object/],
  ])('rejects prometheus: %j at start-up', (prometheus, message) => {
    expect(() => createEchoPool(server.address, { prometheus: prometheus as never })).toThrow(
      message,
    );
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
