import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Module, Query, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GrpcPool,
  GrpcPoolError,
  GrpcPoolHealthIndicator,
  GrpcPoolModule,
  GrpcPoolOptionsError,
  type GrpcPoolClientOptions,
} from '../../lib/index.js';
import { status } from '@grpc/grpc-js';
import { firstValueFrom } from 'rxjs';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../support/echo-process.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { startSilentServer, type SilentServer } from '../support/silent-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A hang guard for waits on connection events (a refused connect, a dropped
 * connection, a reconnect after grpc-js's ~1 s backoff): only a hang reaches it.
 */
const HANG_GUARD_MS = 20_000;
/** The deadline of the app's remote check: every check through the route is to pass or fail on its own, never by it. */
const REMOTE_CHECK_GUARD_MS = 10_000;

/** `GET /health` (the pool's own state) and `GET /health/remote?service=` (plus grpc.health.v1). */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly grpc: GrpcPoolHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  local(@Query('minReady') minReady?: string) {
    const minReadyChannels = minReady === undefined ? undefined : Number(minReady);
    return this.health.check([() => this.grpc.isHealthy('ECHO', { minReadyChannels })]);
  }

  @Get('remote')
  @HealthCheck()
  remote(@Query('service') service?: string) {
    return this.health.check([
      () =>
        this.grpc.isHealthy('ECHO', {
          remote: { service },
          // A check that must pass on a loaded machine: its deadline is a hang guard, not a measure.
          timeoutMs: REMOTE_CHECK_GUARD_MS,
          key: 'orders',
        }),
    ]);
  }
}

async function startHealthApp(
  url: string | string[],
  client: Partial<GrpcPoolClientOptions> = {},
): Promise<{ app: INestApplication; base: string }> {
  class AppModule {}
  Module({
    imports: [
      TerminusModule.forRoot({ logger: false }),
      GrpcPoolModule.register({
        clients: [{ name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url, ...client }],
      }),
    ],
    controllers: [HealthController],
  })(AppModule);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  } catch (error: unknown) {
    // The caller never gets the app to close: close it here (its pool holds channels).
    await app.close().catch(() => undefined);
    throw error;
  }
}

interface HealthBody {
  status: string;
  details: Record<string, Record<string, unknown>>;
}

async function getHealth(url: string): Promise<{ code: number; body: HealthBody }> {
  const response = await fetch(url);
  return { code: response.status, body: (await response.json()) as HealthBody };
}

describe('GrpcPoolHealthIndicator with @nestjs/terminus', () => {
  let app: INestApplication | undefined;
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await app?.close();
    await pool?.close();
    await server?.close();
    await killEchoProcesses();
    app = server = pool = undefined;
  });

  it('answers ok while the backend serves, and 503 down once it is killed', async () => {
    const backend = await startEchoProcess();
    const started = await startHealthApp(backend.address);
    app = started.app;
    await waitFor(
      async () => (await getHealth(`${started.base}/health`)).body.status === 'ok',
      HANG_GUARD_MS,
      'the health check to say ok',
    );
    const up = await getHealth(`${started.base}/health`);
    expect(up.code).toBe(200);
    expect(up.body.details.ECHO).toMatchObject({
      status: 'up',
      state: 'ready',
      targets: [backend.address],
      channels: { READY: 1 },
      inFlight: 0,
      queued: 0,
    });

    await backend.kill();
    // No call is made: only a pool that reconnects a dropped channel at once (instead of
    // leaving it IDLE until the next call) ever sees the backend gone and turns 503.
    await waitFor(
      async () => (await getHealth(`${started.base}/health`)).code === 503,
      HANG_GUARD_MS,
      'the health check to say down',
    );
    const down = await getHealth(`${started.base}/health`);
    expect(down.body.status).toBe('error');
    expect(down.body.details.ECHO).toMatchObject({
      status: 'down',
      state: 'down',
      channels: { TRANSIENT_FAILURE: 1 },
      reason: 'no channel can carry calls (every channel is failing)',
    });
    expect(app.get<GrpcPool>('ECHO').stats().calls.started).toBe(0);
  });

  it('remote check: down on NOT_SERVING, up again on SERVING, per service', async () => {
    server = await startEchoServer();
    const started = await startHealthApp(server.address);
    app = started.app;
    const serving = await getHealth(`${started.base}/health/remote`);
    expect(serving.code).toBe(200);
    expect(serving.body.details.orders).toMatchObject({
      status: 'up',
      remote: { service: '', status: 'SERVING' },
    });

    server.setHealth('', 'NOT_SERVING');
    const notServing = await getHealth(`${started.base}/health/remote`);
    expect(notServing.code).toBe(503);
    expect(notServing.body.details.orders).toMatchObject({
      status: 'down',
      reason: 'the remote reports the server NOT_SERVING',
      remote: { service: '', status: 'NOT_SERVING' },
    });

    server.setHealth('', 'SERVING');
    server.setHealth('test.v1.EchoService', 'NOT_SERVING');
    expect((await getHealth(`${started.base}/health/remote`)).code).toBe(200);
    const oneService = await getHealth(`${started.base}/health/remote?service=test.v1.EchoService`);
    expect(oneService.code).toBe(503);
    expect(oneService.body.details.orders.reason).toBe(
      'the remote reports service "test.v1.EchoService" NOT_SERVING',
    );
    // A service the server does not know is an error (NOT_FOUND), so down.
    const unknown = await getHealth(`${started.base}/health/remote?service=nope.v1.Nope`);
    expect(unknown.code).toBe(503);
    expect(unknown.body.details.orders.reason).toMatch(
      /^the remote health check failed: NOT_FOUND: unknown service nope\.v1\.Nope/,
    );
  });

  it('the remote check uses the pool’s own channels: 50 probes open no connection', async () => {
    server = await startEchoServer();
    const started = await startHealthApp(server.address, { pool: { minChannels: 2 } });
    app = started.app;
    await waitFor(
      async () => (await getHealth(`${started.base}/health/remote`)).code === 200,
      HANG_GUARD_MS,
      'the remote check to pass',
    );
    const checksBefore = server.healthChecks;
    for (let i = 0; i < 50; i++) {
      expect((await getHealth(`${started.base}/health/remote`)).code).toBe(200);
    }
    expect(server.healthChecks - checksBefore).toBe(50);
    // Probes take turns on the pool's two connections; a channel per probe would show 51 peers.
    expect(server.peers.size).toBe(2);
    const stats = app.get<GrpcPool>('ECHO').stats();
    expect(stats.channels).toHaveLength(2);
    expect(stats.inFlight).toBe(0);
  });

  it('the remote check is bounded by timeoutMs against a backend that never answers', async () => {
    // A TCP listener that accepts and never speaks HTTP/2: the channel stays CONNECTING.
    const silent: SilentServer = await startSilentServer();
    try {
      pool = createEchoPool(silent.address);
      const startedAt = Date.now();
      const result = await pool.checkHealth({ remote: true, timeoutMs: 300 });
      const took = Date.now() - startedAt;
      // It ended by its deadline (it would hang otherwise: the backend never answers) ...
      expect(result.ECHO.status).toBe('down');
      expect(result.ECHO.reason).toMatch(/^the remote health check failed: DEADLINE_EXCEEDED/);
      // ... and not before it (a lower bound: load can make it later, never earlier).
      expect(took).toBeGreaterThanOrEqual(250);
      expect(silent.connections).toBeGreaterThanOrEqual(1);
    } finally {
      await pool?.close();
      pool = undefined;
      await silent.close();
    }
  });

  it('degraded (still 200) when one of two backends is down', async () => {
    server = await startEchoServer();
    const doomed = await startEchoProcess();
    const started = await startHealthApp([server.address, doomed.address]);
    app = started.app;
    await waitFor(
      async () => (await getHealth(`${started.base}/health`)).body.details.ECHO.state === 'ready',
      HANG_GUARD_MS,
      'both channels to be READY',
    );
    await doomed.kill();
    await waitFor(
      async () => (await getHealth(`${started.base}/health`)).body.status === 'degraded',
      HANG_GUARD_MS,
      'the health check to say degraded',
    );
    const degraded = await getHealth(`${started.base}/health`);
    expect(degraded.code).toBe(200);
    expect(degraded.body.details.ECHO).toMatchObject({
      status: 'degraded',
      state: 'degraded',
      channels: { READY: 1, TRANSIENT_FAILURE: 1 },
      reason: 'some channels are failing',
    });
  });

  it('minReadyChannels: down while fewer channels are READY', async () => {
    server = await startEchoServer();
    const started = await startHealthApp(server.address, { pool: { minChannels: 2 } });
    app = started.app;
    await waitFor(
      async () => (await getHealth(`${started.base}/health?minReady=2`)).code === 200,
      HANG_GUARD_MS,
      'two READY channels',
    );
    const tooFew = await getHealth(`${started.base}/health?minReady=3`);
    expect(tooFew.code).toBe(503);
    expect(tooFew.body.details.ECHO.reason).toBe(
      '2 channel(s) READY, fewer than minReadyChannels 3',
    );
  });

  it('reports the last connection error, and down once the pool closes', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const address = server.address;
    await server.close();
    server = undefined;
    const echo = pool.getService<{ echo(r: object): import('rxjs').Observable<unknown> }>(
      'EchoService',
    );
    await import('rxjs').then(({ firstValueFrom }) =>
      firstValueFrom(echo.echo({ message: 'x' })).catch(() => undefined),
    );
    const result = await pool.checkHealth();
    expect(result.ECHO.lastError).toMatch(/^UNAVAILABLE: .*ECONNREFUSED/);
    expect(Date.parse(result.ECHO.lastErrorAt!)).toBeLessThanOrEqual(Date.now());
    expect(result.ECHO.targets).toEqual([address]);
    await pool.close();
    expect((await pool.checkHealth({ remote: true })).ECHO).toMatchObject({
      status: 'down',
      state: 'closed',
      reason: 'the pool is closed',
    });
  });
});

describe('lastError in health results', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await server?.close();
    pool = server = undefined;
  });

  it('says when it happened, is marked stale once every channel is READY again, fresh on the next failure', async () => {
    server = await startEchoServer();
    const { port } = server;
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: false } });
    const echo = pool.getService<EchoService>('EchoService');
    await waitFor(() => pool!.stats().state === 'ready', HANG_GUARD_MS, 'the first connection');
    expect((await pool.checkHealth()).ECHO.lastError).toBeUndefined();

    await server.close();
    server = undefined;
    const failedAfter = Date.now();
    await expect(firstValueFrom(echo.echo({ message: 'x' }))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    const failedBefore = Date.now();
    const outage = (await pool.checkHealth()).ECHO;
    expect(outage.lastError).toMatch(/^UNAVAILABLE: .*ECONNREFUSED/);
    const at = Date.parse(outage.lastErrorAt!);
    expect(at).toBeGreaterThanOrEqual(failedAfter);
    expect(at).toBeLessThanOrEqual(failedBefore);
    expect(outage).not.toHaveProperty('lastErrorStale');

    // The backend comes back where it was; the pool reconnects on its own.
    server = await startEchoServer({ port });
    await waitFor(() => pool!.stats().state === 'ready', HANG_GUARD_MS, 'the reconnection');
    const recovered = (await pool.checkHealth()).ECHO;
    expect(recovered).toMatchObject({
      status: 'up',
      lastError: outage.lastError,
      lastErrorAt: outage.lastErrorAt,
      lastErrorStale: true,
    });

    // A failure on READY channels is the present trouble again.
    await expect(
      firstValueFrom(echo.echo({ message: 'y', failWith: status.UNAVAILABLE })),
    ).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    const fresh = (await pool.checkHealth()).ECHO;
    expect(fresh.lastError).toBe('UNAVAILABLE: failed on purpose: y');
    expect(Date.parse(fresh.lastErrorAt!)).toBeGreaterThanOrEqual(at);
    expect(fresh).not.toHaveProperty('lastErrorStale');
  });
});

describe('GrpcPoolHealthIndicator without terminus', () => {
  let app: INestApplication | undefined;
  afterEach(async () => app?.close());

  it('is provided by the module, names an unknown pool, and rejects bad options by field', async () => {
    const server = await startEchoServer();
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          GrpcPoolModule.register({
            clients: [
              { name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: server.address },
            ],
          }),
        ],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const indicator = app.get(GrpcPoolHealthIndicator);
      const result = await indicator.isHealthy('ECHO', { key: 'echo-backend', remote: true });
      expect(Object.keys(result)).toEqual(['echo-backend']);
      expect(result['echo-backend'].status).toBe('up');

      await expect(indicator.isHealthy('NOPE')).rejects.toThrow(GrpcPoolError);
      await expect(indicator.isHealthy('NOPE')).rejects.toThrow(
        'GrpcPoolHealthIndicator: no gRPC pool named "NOPE" is registered',
      );
      await expect(indicator.isHealthy('ECHO', { timeoutMs: 0 })).rejects.toThrow(
        new GrpcPoolOptionsError('ECHO', 'isHealthy.timeoutMs', 'must be an integer >= 1 (got 0)'),
      );
      await expect(
        indicator.isHealthy('ECHO', { remote: { service: 7 } } as never),
      ).rejects.toThrow('isHealthy.remote.service must be a string (got 7)');
    } finally {
      await app?.close();
      app = undefined;
      await server.close();
    }
  });

  it('the built library never imports @nestjs/terminus (it works without it installed)', () => {
    const dist = fileURLToPath(new URL('../../dist', import.meta.url));
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.js'),
    );
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      expect(readFileSync(`${dist}/${file}`, 'utf8')).not.toMatch(
        /(from\s*|import\s*\(\s*|require\s*\(\s*)['"]@nestjs\/terminus/,
      );
    }
  });
});
