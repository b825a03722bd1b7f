import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, forkJoin, lastValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds the waits for events below; never reached unless something hangs. */
const HANG_GUARD_MS = 10_000;

describe('several backends behind one client', () => {
  let servers: EchoServer[] = [];
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, ...servers);
    servers = [];
  });

  it('opens a channel per address of a url array and spreads calls over all of them', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
    pool = createEchoPool(
      servers.map((s) => s.address),
      { pool: { minChannels: 1, maxChannels: 6 } },
    );
    const channels = pool.stats().channels;
    expect(channels.map((c) => c.target).sort()).toEqual(servers.map((s) => s.address).sort());
    // Spread over all three once all three can take calls (until then, the READY ones take them).
    await waitFor(
      () => pool!.stats().channels.every((c) => c.state === 'READY'),
      HANG_GUARD_MS,
      'a READY channel to each backend',
    );
    const echo = pool.getService<EchoService>('EchoService');
    for (let i = 0; i < 30; i++) await firstValueFrom(echo.echo({ message: String(i) }));
    for (const server of servers) expect(server.calls).toBe(10);
  });

  it('grows over the addresses in turn when the channels fill', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer()]);
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        pool: { minChannels: 1, maxChannels: 4, maxConcurrentCallsPerChannel: 5 },
      },
    );
    const echo = pool.getService<EchoService>('EchoService');
    await lastValueFrom(forkJoin(Array.from({ length: 20 }, () => echo.slow({ delayMs: 50 }))));
    const targets = pool.stats().channels.map((c) => c.target);
    expect(targets).toHaveLength(4);
    for (const server of servers) {
      expect(targets.filter((t) => t === server.address)).toHaveLength(2);
      expect(server.peers.size).toBe(2);
    }
  });

  it('balances each channel of a multi-address resolver target (ipv4:) over every backend', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer()]);
    const target = `ipv4:${servers.map((s) => s.address).join(',')}`;
    pool = createEchoPool(target, { pool: { minChannels: 1, maxChannels: 1 } });
    const echo = pool.getService<EchoService>('EchoService');
    // grpc-js's round_robin sends to each address once its subchannel is READY; a channel
    // pinned to one address (pick_first) would never reach the other, and the guard would end it.
    let calls = 0;
    await waitFor(
      async () => {
        calls++;
        await firstValueFrom(echo.echo({ message: String(calls) }));
        return servers.every((server) => server.calls > 0);
      },
      HANG_GUARD_MS,
      'calls to reach both backends over one channel',
    );
    expect(pool.stats().channels).toHaveLength(1);
    expect(servers[0].calls + servers[1].calls).toBe(calls);
  });
});
