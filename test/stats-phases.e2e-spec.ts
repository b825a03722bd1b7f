import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, Subject } from 'rxjs';
import type { GrpcPool } from '../lib/index.js';
import { closeTestPool } from './support/close-test-pool.js';
import { createEchoPool, type EchoService } from './support/echo-client.js';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { failure } from './support/failure.js';
import { freePort } from './support/free-port.js';
import { sleep, waitFor } from './support/wait-for.js';

/** `stats()` says where the time goes (phase by phase) and for which method, with no exporter at all. */
describe('stats(): phases and byMethod', () => {
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterEach(async () => closeTestPool(pool));
  afterAll(async () => server.close());

  it('counts and times each method apart', async () => {
    pool = createEchoPool(server.address, { telemetry: false });
    const echo = pool.getService<EchoService>('EchoService');
    for (let i = 0; i < 3; i++) await firstValueFrom(echo.echo({ message: `${i}` }));
    await failure(firstValueFrom(echo.echo({ message: 'x', failWith: status.NOT_FOUND })));
    await firstValueFrom(echo.slow({ delayMs: 60 }));
    const { byMethod, calls } = pool.stats();
    expect(Object.keys(byMethod).sort()).toEqual([
      '/test.v1.EchoService/Echo',
      '/test.v1.EchoService/Slow',
    ]);
    expect(byMethod['/test.v1.EchoService/Echo'].calls).toEqual({
      started: 4,
      ok: 3,
      failed: 1,
      byCode: { OK: 3, NOT_FOUND: 1 },
    });
    expect(byMethod['/test.v1.EchoService/Slow'].calls.ok).toBe(1);
    expect(byMethod['/test.v1.EchoService/Slow'].latencyMs.p50!).toBeGreaterThanOrEqual(60);
    // p50, not p99: the first Echo also waits for the connection, which a loaded machine can stretch.
    expect(byMethod['/test.v1.EchoService/Echo'].latencyMs.p50!).toBeLessThan(60);
    expect(calls.started).toBe(5);
  });

  it('splits a queued call into slot wait, headers and the whole call', async () => {
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
    });
    await waitFor(() => pool!.state === 'ready', 2000, 'the channel to connect');
    const echo = pool.getService<EchoService>('EchoService');
    // Slow answers its headers only with its reply: B waits ~100 ms for A's slot, then ~100 ms itself.
    await Promise.all([
      firstValueFrom(echo.slow({ delayMs: 100, message: 'A' })),
      firstValueFrom(echo.slow({ delayMs: 100, message: 'B' })),
    ]);
    const { phasesMs, latencyMs } = pool.stats();
    // A got its slot at once, B after about 100 ms.
    expect(phasesMs.slotWait.p50).toBe(0);
    expect(phasesMs.slotWait.p99!).toBeGreaterThanOrEqual(90);
    // Both were placed on a READY channel.
    expect(phasesMs.connectWait.p99).toBe(0);
    expect(phasesMs.headers.p50!).toBeGreaterThanOrEqual(95);
    expect(phasesMs.call).toEqual(latencyMs);
    expect(latencyMs.p99!).toBeGreaterThanOrEqual(190);
  });

  it.each([
    ['the drain runs out of time', 'drain'],
    ['its request stream fails', 'requests'],
  ])('counts the queue wait of a call that fails while queued because %s', async (_why, how) => {
    pool = createEchoPool(server.address, {
      pool: { maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
      drainTimeoutMs: 150,
    });
    const echo = pool.getService<EchoService>('EchoService');
    const holder = firstValueFrom(echo.slow({ delayMs: 400 })).catch(() => undefined);
    const requests = new Subject<{ message: string }>();
    const queued = failure(firstValueFrom(echo.collect(requests)));
    await sleep(100);
    if (how === 'drain') void pool.close();
    else requests.error(new Error('the request stream broke'));
    await queued;
    await holder;
    expect(pool.stats().phasesMs.slotWait.p99!).toBeGreaterThanOrEqual(90);
  });

  it('times the wait for a connection that comes up late', async () => {
    const port = await freePort();
    pool = createEchoPool(`127.0.0.1:${port}`, {
      defaultCallOptions: { waitForReady: true, timeoutMs: 5000 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // Nothing listens yet: the call waits for the channel, which connects once a server is up.
    const call = firstValueFrom(echo.echo({ message: 'late' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await startEchoServer({ port });
    try {
      await call;
      const { connectWait } = pool.stats().phasesMs;
      expect(connectWait.p50!).toBeGreaterThanOrEqual(250);
    } finally {
      await closeTestPool(pool, late);
      pool = undefined;
    }
  });
});
