import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { GrpcPoolModule, type GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoAsyncService, type EchoService } from '../support/echo-client.js';
import { startEchoServer, status, type EchoServer } from '../support/echo-server.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { steadyLoad } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';
import { EDS, startXdsControlPlane, type XdsControlPlane } from '../support/xds-control-plane.js';

/**
 * `xds:` targets through @grpc/grpc-js-xds, against a real control plane
 * (test/support/xds-control-plane.ts) and real backends. grpc-js-xds reads
 * its bootstrap once per process, so every xDS test lives in this file and
 * shares one control plane; each test sets the endpoints it needs.
 */

/**
 * Hang guard for waits on xDS (an update applied, connections made) and the
 * deadline of calls under load: 10x and more what they take.
 */
const HANG_GUARD_MS = 10_000;

let plane: XdsControlPlane;
let a: EchoServer;
let b: EchoServer;

beforeAll(async () => {
  [a, b] = await Promise.all([startEchoServer(), startEchoServer()]);
  // A retry policy on the route, as a mesh operator may set: grpc-js would
  // retry UNAVAILABLE 3 more times on its own unless the pool's channels turn that off.
  plane = await startXdsControlPlane([a.address], {
    routeRetry: { retryOn: 'unavailable', numRetries: 3 },
  });
  // Before the first xDS channel: grpc-js-xds reads it once.
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = plane.bootstrap;
});

afterAll(async () => {
  delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
  await Promise.all([plane?.close(), a?.close(), b?.close()]);
});

/** Resets the backends' failure and health settings and points the cluster at `backends`. */
async function routeTo(...backends: EchoServer[]): Promise<void> {
  for (const server of [a, b]) {
    server.failEverything(undefined);
    server.setHealth('', 'SERVING');
  }
  const version = plane.setEndpoints(backends.map((server) => server.address));
  // A client still subscribed (the last test's pool may be unsubscribing) must
  // have applied the update before the test goes on.
  await waitFor(
    () => plane.endpointSubscribers === 0 || plane.hasAcked(EDS, version),
    HANG_GUARD_MS,
    `an ACK of endpoints version ${version}`,
  );
}

const counts = () => ({ a: a.calls, b: b.calls });

describe('xds:/// targets through @grpc/grpc-js-xds and a real control plane', () => {
  let pool: GrpcPool | undefined;

  beforeEach(() => routeTo(a));
  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });

  it.each(['xds:///echo', 'xds:///echo-inline'])(
    '%s: calls through getService() and getAsyncService() reach the backend the control plane names, one connection per channel',
    async (url) => {
      const before = counts();
      pool = createEchoPool(url, {
        pool: { minChannels: 4, maxChannels: 4 },
        startup: { waitForReady: true, timeoutMs: HANG_GUARD_MS },
      });
      await pool.onModuleInit();
      await waitFor(
        () => pool!.stats().channels.every((c) => c.state === 'READY'),
        HANG_GUARD_MS,
        'four READY channels',
      );
      const echo = pool.getService<EchoService>('EchoService');
      const asyncEcho = pool.getAsyncService<EchoAsyncService>('EchoService');
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0
            ? firstValueFrom(echo.echo({ message: `rx ${i}` }))
            : asyncEcho.echo({ message: `async ${i}` }),
        ),
      );
      expect(replies.map((reply) => reply.message)).toEqual(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `rx ${i}` : `async ${i}`)),
      );
      expect(counts()).toEqual({ a: before.a + 40, b: before.b });
      // The peer is the backend's view of the client: four channels, four connections.
      expect(new Set(replies.map((reply) => reply.peer)).size).toBe(4);
      expect(pool.stats().channels.map((c) => c.calls)).toEqual([10, 10, 10, 10]);
      expect(plane.answers.filter((answer) => !answer.accepted)).toEqual([]);
      expect(plane.answers.length).toBeGreaterThanOrEqual(4);
    },
  );

  it('an endpoint update moves traffic from backend A to backend B under steady load, with no failed call', async () => {
    pool = createEchoPool('xds:///echo', { pool: { minChannels: 4, maxChannels: 4 } });
    const start = counts();
    const load = steadyLoad(pool.getService<EchoService>('EchoService'), 8, HANG_GUARD_MS);
    let onA = 0;
    try {
      await waitFor(() => a.calls - start.a > 100, HANG_GUARD_MS, 'traffic on A');
      const known = new Set(b.peers);
      await routeTo(b);
      // Each channel has its own connection (its peer): once B has seen a call on all
      // four, every channel's picker has moved to B, and none goes back to A.
      await waitFor(
        () => [...b.peers].filter((peer) => !known.has(peer)).length === 4,
        HANG_GUARD_MS,
        'a call on B from every channel',
      );
      onA = a.calls;
      const onB = b.calls;
      await waitFor(() => b.calls - onB > 100, HANG_GUARD_MS, 'more traffic on B');
    } finally {
      await load.stop();
    }
    expect(a.calls).toBe(onA);
    expect(load.records.filter((record) => !record.ok)).toEqual([]);
    // Every call reached one backend, once.
    expect(load.records.length).toBe(a.calls - start.a + (b.calls - start.b));
    expect(pool.stats().calls.failed).toBe(0);
  });

  it('a bad update from the control plane is refused (NACK) and calls stay on the last good endpoints', async () => {
    pool = createEchoPool('xds:///echo');
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    await echo.echo({ message: 'before' });
    const nacks = plane.answers.filter((answer) => !answer.accepted).length;
    // gRPC's xDS client takes IP addresses only in an endpoint.
    plane.setEndpoints([`localhost:${b.port}`]);
    await waitFor(
      () => plane.answers.filter((answer) => !answer.accepted).length > nacks,
      HANG_GUARD_MS,
      'a NACK',
    );
    expect(plane.answers.filter((answer) => !answer.accepted).pop()).toMatchObject({
      typeUrl: EDS,
      error: expect.stringContaining('not a valid IPv4 or IPv6 address'),
    });
    const before = counts();
    for (let i = 0; i < 10; i++) await echo.echo({ message: String(i) });
    expect(counts()).toEqual({ a: before.a + 10, b: before.b });
  });

  it('balances over every endpoint the control plane lists, inside each channel', async () => {
    await routeTo(a, b);
    const before = counts();
    pool = createEchoPool('xds:///echo', { pool: { minChannels: 2, maxChannels: 2 } });
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    // The cluster's ROUND_ROBIN policy (grpc-js's), not the pool, spreads the calls,
    // within each channel over the endpoints it has connected to so far: calls go
    // on until both have taken ten (how soon depends on connects, not on a figure).
    let made = 0;
    await waitFor(
      async () => {
        await echo.echo({ message: String(made++) });
        return a.calls - before.a >= 10 && b.calls - before.b >= 10;
      },
      HANG_GUARD_MS,
      'ten calls on each endpoint',
    );
    // Every call reached one endpoint, once.
    expect(a.calls - before.a + (b.calls - before.b)).toBe(made);
    // The pool sees one target: its per-backend accounting steps aside.
    expect(new Set(pool.stats().channels.map((c) => c.target))).toEqual(new Set(['xds:///echo']));
  });
});

describe('what the pool still does under xDS', () => {
  let pool: GrpcPool | undefined;

  beforeEach(() => routeTo(a));
  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });

  it('retries: the pool’s attempts only; the route’s retry policy does not multiply them', async () => {
    a.failEverything(status.UNAVAILABLE);
    pool = createEchoPool('xds:///echo', {
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
    });
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const before = a.calls;
    await expect(
      echo.echo({ message: 'x' }, undefined, { idempotent: true }),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    // 3, not 3 x 4: grpc-js's own retries (which the route asks for) stay off.
    expect(a.calls - before).toBe(3);
    expect(pool.stats().retries).toBe(2);
  });

  it('the retry budget: one for the whole xds target, spent like any other', async () => {
    a.failEverything(status.UNAVAILABLE);
    // No trickle (minPerSecond 0), so no clock adds tokens: each call earns half a
    // retry, and only the calls' deposits pay for retries. (The trickle's timing is
    // pinned by the budget's fake-timer unit test.)
    pool = createEchoPool('xds:///echo', {
      pool: { retryBudget: { ratio: 0.5, minPerSecond: 0 } },
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
    });
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const before = a.calls;
    for (let i = 0; i < 5; i++) {
      await expect(
        echo.echo({ message: 'x' }, undefined, { idempotent: true }),
      ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    }
    // Without a budget: 15 attempts. With it: calls 2 and 4 complete a token and
    // retry once; every call's last retry is refused, and fails with its error at once.
    expect(a.calls - before).toBe(7);
    expect(pool.stats()).toMatchObject({ retries: 2, retriesRefusedByBudget: 5 });
  });

  it('deadlines: the backend sees the deadline, and the call fails with DEADLINE_EXCEEDED', async () => {
    pool = createEchoPool('xds:///echo');
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const seen = a.slowDeadlines.length;
    const cancelled = a.cancelled;
    const sent = Date.now();
    // Far longer than the deadline: only the deadline can end it.
    await expect(
      echo.slow({ delayMs: 60_000 }, undefined, { timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    await waitFor(() => a.cancelled > cancelled, HANG_GUARD_MS, 'the backend to see the cancel');
    expect(a.slowDeadlines).toHaveLength(seen + 1);
    // The server's deadline is its arrival plus what was left of the 200 ms; it
    // arrived before now. Load can only make these more true.
    const deadline = a.slowDeadlines[seen];
    expect(deadline).toBeGreaterThan(sent);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 200);
  });

  it('the queue: calls past maxChannels x maxConcurrentCallsPerChannel wait, and a full queue refuses', async () => {
    pool = createEchoPool('xds:///echo', {
      pool: {
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 2,
        maxQueued: 2,
        acquireTimeoutMs: 5000,
      },
    });
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    await echo.echo({ message: 'warm' });
    const active = a.active;
    // The two running calls end when the test releases them, not on a clock.
    const release = a.holdSlowCalls();
    const slow = Array.from({ length: 4 }, () => echo.slow({ delayMs: 0 }));
    try {
      await waitFor(() => pool!.stats().queued === 2, HANG_GUARD_MS, 'two calls queued');
      await waitFor(() => a.active === active + 2, HANG_GUARD_MS, 'two calls running');
      await expect(echo.echo({ message: 'one too many' })).rejects.toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
      });
      expect(a.active).toBe(active + 2);
    } finally {
      release();
    }
    expect((await Promise.all(slow)).length).toBe(4);
    expect(a.maxActive).toBeLessThanOrEqual(2);
  });

  it('drain on close: a call in flight finishes, later calls are refused', async () => {
    pool = createEchoPool('xds:///echo');
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    await echo.echo({ message: 'warm' });
    const active = a.active;
    // The call ends when the test releases it: it is still running when close() begins.
    const release = a.holdSlowCalls();
    const inFlight = echo.slow({ delayMs: 0, message: 'finishing' });
    let closing: Promise<void> | undefined;
    try {
      await waitFor(() => a.active === active + 1, HANG_GUARD_MS, 'the call to reach the backend');
      closing = pool.close();
      await expect(echo.echo({ message: 'late' })).rejects.toMatchObject({
        code: status.UNAVAILABLE,
      });
      expect(pool.stats().inFlight).toBe(1);
    } finally {
      release();
    }
    expect((await inFlight).message).toBe('finishing');
    await closing;
    expect(pool.state).toBe('closed');
  });

  it('health: checkHealth() reports the channels, and remote checks reach the backend through xDS', async () => {
    pool = createEchoPool('xds:///echo', {
      startup: { waitForReady: true, timeoutMs: HANG_GUARD_MS },
    });
    await pool.onModuleInit();
    const checks = a.healthChecks;
    const up = await pool.checkHealth({ remote: true });
    expect(up.ECHO).toMatchObject({
      status: 'up',
      targets: ['xds:///echo'],
      channels: { READY: 1 },
      remote: { service: '', status: 'SERVING' },
    });
    expect(a.healthChecks).toBe(checks + 1);
    a.setHealth('', 'NOT_SERVING');
    expect((await pool.checkHealth({ remote: true })).ECHO).toMatchObject({
      status: 'down',
      remote: { status: 'NOT_SERVING' },
    });
  });

  it('stats and telemetry: calls, codes, latency and byMethod', async () => {
    pool = createEchoPool('xds:///echo');
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    for (let i = 0; i < 5; i++) await echo.echo({ message: String(i) });
    await expect(echo.echo({ failWith: status.NOT_FOUND })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    const stats = pool.stats();
    expect(stats.calls).toMatchObject({ started: 6, ok: 5, failed: 1 });
    expect(stats.calls.byCode).toMatchObject({ NOT_FOUND: 1 });
    expect(stats.latencyMs.p50).toBeGreaterThan(0);
    expect(stats.byMethod['/test.v1.EchoService/Echo'].calls).toMatchObject({ started: 6, ok: 5 });
    expect(stats.deadlineExceeded).toBe(0);
  });
});

describe('a Nest app with an xds:/// client', () => {
  let app: INestApplication | undefined;

  beforeEach(() => routeTo(b));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('starts (waiting for READY through the control plane) and serves calls', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        GrpcPoolModule.register({
          clients: [
            {
              name: 'ECHO',
              package: ECHO_PACKAGE,
              protoPath: ECHO_PROTO,
              url: 'xds:///echo',
              startup: { waitForReady: true, timeoutMs: HANG_GUARD_MS },
            },
          ],
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const pool = app.get<GrpcPool>('ECHO');
    expect(pool.state).toBe('ready');
    const before = counts();
    const reply = await firstValueFrom(
      pool.getService<EchoService>('EchoService').echo({ message: 'from nest' }),
    );
    expect(reply.message).toBe('from nest');
    expect(counts()).toEqual({ a: before.a, b: before.b + 1 });
    await app.close();
    app = undefined;
    expect(pool.state).toBe('closed');
  });
});

describe('without @grpc/grpc-js-xds installed', () => {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const run = promisify(execFile);
  let folder: string | undefined;

  afterEach(() => {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  });

  /**
   * An app folder whose node_modules links everything this repo has installed
   * except @grpc/grpc-js-xds, and holds a copy of the built package (copied,
   * so the package resolves its imports from here, where the peer is missing).
   */
  function appWithoutXds(): string {
    const app = mkdtempSync(join(tmpdir(), 'grpc-pool-no-xds-'));
    const modules = join(app, 'node_modules');
    mkdirSync(modules);
    const installed = join(repo, 'node_modules');
    for (const entry of readdirSync(installed)) {
      if (entry.startsWith('.')) continue;
      if (!entry.startsWith('@')) {
        symlinkSync(join(installed, entry), join(modules, entry), 'dir');
        continue;
      }
      mkdirSync(join(modules, entry));
      for (const scoped of readdirSync(join(installed, entry))) {
        if (`${entry}/${scoped}` === '@grpc/grpc-js-xds') continue;
        symlinkSync(join(installed, entry, scoped), join(modules, entry, scoped), 'dir');
      }
    }
    const own = join(modules, 'nestjs-grpc-pool');
    mkdirSync(own);
    cpSync(join(repo, 'package.json'), join(own, 'package.json'));
    cpSync(join(repo, 'dist'), join(own, 'dist'), { recursive: true });
    cpSync(join(repo, 'protos'), join(own, 'protos'), { recursive: true });
    writeFileSync(
      join(app, 'app.mjs'),
      `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcPoolModule } from 'nestjs-grpc-pool';
const [protoPath] = process.argv.slice(2);
const client = { name: 'ORDERS', package: 'test.v1', protoPath, url: 'xds:///orders' };
class AppModule {}
Module({ imports: [GrpcPoolModule.register({ clients: [client] })] })(AppModule);
let xdsFound = true;
try { await import('@grpc/grpc-js-xds'); } catch { xdsFound = false; }
try {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  await app.close();
  process.stdout.write(JSON.stringify({ xdsFound, started: true }));
} catch (error) {
  const { name, message, field, rule } = error;
  process.stdout.write(JSON.stringify({ xdsFound, started: false, name, message, field, rule }));
}
`,
    );
    return app;
  }

  it('start-up fails with a GrpcPoolOptionsError naming the client, url and the package to install', async () => {
    expect(existsSync(join(repo, 'dist', 'discovery', 'xds-registration.js'))).toBe(true);
    folder = appWithoutXds();
    const { stdout } = await run(process.execPath, [join(folder, 'app.mjs'), ECHO_PROTO], {
      cwd: folder,
      timeout: 20_000,
      env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: '', GRPC_XDS_BOOTSTRAP_CONFIG: '' },
    });
    expect(JSON.parse(stdout)).toEqual({
      xdsFound: false,
      started: false,
      name: 'GrpcPoolOptionsError',
      field: 'url',
      rule: '"xds:///orders" needs the optional peer @grpc/grpc-js-xds: npm install @grpc/grpc-js-xds',
      message:
        'Invalid options for gRPC pool "ORDERS": url "xds:///orders" needs the optional peer @grpc/grpc-js-xds: npm install @grpc/grpc-js-xds',
    });
  });
});
