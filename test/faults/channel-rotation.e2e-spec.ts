import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

describe('channel rotation and recycling', () => {
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = undefined;
  });

  it('maxConnectionAgeMs rotates connections without failing a call, even one in flight', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { pool: { maxConnectionAgeMs: 250 } });
    const echo = pool.getService<EchoService>('EchoService');
    const longCall = firstValueFrom(echo.slow({ delayMs: 900, message: 'long' }));
    const until = Date.now() + 1500;
    let calls = 0;
    while (Date.now() < until) {
      await firstValueFrom(echo.echo({ message: String(calls++) }));
      await sleep(10);
    }
    // The channel it started on retired meanwhile; it still finished normally.
    expect((await longCall).message).toBe('long');
    expect(pool.stats().calls.failed).toBe(0);
    expect(server.peers.size).toBeGreaterThanOrEqual(4);
    await waitFor(() => pool!.stats().channels.length <= 2, 2000, 'retired channels to close');
  });

  it('a READY channel failing every call is recycled, with backoff, never in a tight loop', async () => {
    server = await startEchoServer();
    server.failEverything(status.UNAVAILABLE);
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: false } });
    const echo = pool.getService<EchoService>('EchoService');
    await waitFor(() => pool!.state === 'ready');
    // 40 failures in quick succession: one recycle (after 5), then the 1 s backoff holds.
    for (let i = 0; i < 40; i++) await firstValueFrom(echo.echo({})).catch(() => undefined);
    const connectionsAfterBurst = server.peers.size;
    expect(connectionsAfterBurst).toBe(2);
    await sleep(1100);
    for (let i = 0; i < 10; i++) await firstValueFrom(echo.echo({})).catch(() => undefined);
    expect(server.peers.size).toBe(3);
    server.failEverything(undefined);
    expect((await firstValueFrom(echo.echo({ message: 'ok' }))).message).toBe('ok');
  });
});
