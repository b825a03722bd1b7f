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
    const deadAt = Date.now();
    await waitFor(() => proxy.connections === 2, 3000, 'keepalive to replace the connection');
    const detectedInMs = Date.now() - deadAt;
    expect(detectedInMs).toBeLessThan(2000);
    expect((await firstValueFrom(echo.echo({ message: 'after' }))).message).toBe('after');
  });

  it('calls caught on the dead connection fail (UNAVAILABLE) within the keepalive timeout, not their deadline; later calls succeed', async () => {
    server = await startEchoServer({ serverOptions: PERMISSIVE_SERVER });
    proxy = await startTcpProxy(server.address);
    pool = createEchoPool(proxy.address, { keepalive: KEEPALIVE });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'warm' }));

    proxy.blackHoleLiveConnections();
    const startedAt = Date.now();
    const caught = await failure(
      firstValueFrom(echo.slow({ delayMs: 10 }, undefined, { timeoutMs: 10_000 })),
    );
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(caught.code).toBe(status.UNAVAILABLE);
    await waitFor(() => pool!.state === 'ready', 3000, 'the pool to reconnect');
    expect((await firstValueFrom(echo.echo({ message: 'again' }))).message).toBe('again');
  });
});
