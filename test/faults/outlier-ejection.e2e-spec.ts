import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** Backends whose connections stay READY but whose every call fails: only outcomes reveal them. */
describe('fault: outlier ejection across three backends', () => {
  let servers: EchoServer[] = [];
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, ...servers);
    pool = undefined;
    servers = [];
  });

  async function callMany(echo: EchoService, count: number): Promise<number> {
    let failed = 0;
    for (let i = 0; i < count; i++) {
      await firstValueFrom(echo.echo({ message: String(i) })).catch(() => failed++);
    }
    return failed;
  }

  const ejectedTargets = (p: GrpcPool) =>
    p
      .stats()
      .channels.filter((c) => c.ejected)
      .map((c) => c.target);

  it('ejects the failing backend after N failures in a row, probes it later, and admits it once it serves', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
    const [good1, bad, good2] = servers;
    bad.failEverything(status.UNAVAILABLE);
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        pool: { maxChannels: 3, outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 300 } },
        defaultCallOptions: { retry: false },
      },
    );
    await waitFor(() => pool!.stats().channels.every((c) => c.state === 'READY'));
    const echo = pool.getService<EchoService>('EchoService');

    expect(await callMany(echo, 60)).toBe(3);
    expect(bad.calls).toBe(3);
    expect(ejectedTargets(pool)).toEqual([bad.address]);
    expect(pool.state).toBe('degraded');
    expect(good1.calls + good2.calls).toBe(57);

    // Past the period one call probes it; it still fails, so it is out again for twice as long.
    await sleep(350);
    expect(await callMany(echo, 30)).toBe(1);
    expect(bad.calls).toBe(4);
    expect(ejectedTargets(pool)).toEqual([bad.address]);

    bad.failEverything(undefined);
    await sleep(650);
    expect(await callMany(echo, 30)).toBe(0);
    expect(ejectedTargets(pool)).toEqual([]);
    expect(bad.calls).toBeGreaterThan(10);
    expect(pool.state).toBe('ready');
  });

  it('never ejects more than half of the backends', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
    servers[1].failEverything(status.UNAVAILABLE);
    servers[2].failEverything(status.UNAVAILABLE);
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        pool: {
          maxChannels: 3,
          outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 60_000 },
        },
        defaultCallOptions: { retry: false },
      },
    );
    await waitFor(() => pool!.stats().channels.every((c) => c.state === 'READY'));
    await callMany(pool.getService<EchoService>('EchoService'), 60);
    expect(ejectedTargets(pool)).toHaveLength(1);
  });
});
