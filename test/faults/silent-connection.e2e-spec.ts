import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

// The server must accept pings this often, or it answers them with GOAWAY (too_many_pings).
const PERMISSIVE_SERVER = {
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 50,
};
const KEEPALIVE = { keepaliveTimeMs: 200, keepaliveTimeoutMs: 200, keepalivePermitWithoutCalls: 1 };
/** Keepalive finds a dead connection in ~400 ms; this only stops a hang. */
const HANG_GUARD_MS = 10_000;
/**
 * The caught call's deadline, far beyond keepalive and within Jest's test timeout:
 * had it waited for its deadline, it would end DEADLINE_EXCEEDED, not UNAVAILABLE.
 */
const LONG_DEADLINE_MS = 20_000;

/** A connection that dies without a FIN or RST (a NAT or load balancer dropped it). */
describe('fault: a silently dead connection', () => {
  let server: EchoServer;
  let proxy: TcpProxy;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, proxy, server);
    pool = undefined;
  });

  it('keepalive finds it with no call running, and the next call goes over a new connection', async () => {
    server = await startEchoServer({ serverOptions: PERMISSIVE_SERVER });
    proxy = await startTcpProxy(server.address);
    pool = createEchoPool(proxy.address, { keepalive: KEEPALIVE });
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'before' }))).message).toBe('before');
    expect(proxy.connections).toBe(1);

    proxy.blackHoleLiveConnections();
    // No call is running: only keepalive can notice, and a new connection is what it does about it.
    await waitFor(
      () => proxy.connections === 2,
      HANG_GUARD_MS,
      'keepalive to replace the connection',
    );
    expect((await firstValueFrom(echo.echo({ message: 'after' }))).message).toBe('after');
    expect(proxy.connections).toBe(2);
  });

  it('calls caught on the dead connection fail (UNAVAILABLE) by keepalive, not by their deadline; later calls succeed', async () => {
    server = await startEchoServer({ serverOptions: PERMISSIVE_SERVER });
    proxy = await startTcpProxy(server.address);
    pool = createEchoPool(proxy.address, { keepalive: KEEPALIVE });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'warm' }));

    proxy.blackHoleLiveConnections();
    const caught = await failure(
      firstValueFrom(echo.slow({ delayMs: 10 }, undefined, { timeoutMs: LONG_DEADLINE_MS })),
    );
    expect(caught.code).toBe(status.UNAVAILABLE);
    expect(server.slowDeadlines).toEqual([]);
    await waitFor(() => pool!.state === 'ready', HANG_GUARD_MS, 'the pool to reconnect');
    expect((await firstValueFrom(echo.echo({ message: 'again' }))).message).toBe('again');
  });
});
