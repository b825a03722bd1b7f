import { compressionAlgorithms } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** Bytes a pool sends to the backend for one echo of a very compressible 64 kB message. */
async function bytesForOneLargeCall(
  server: EchoServer,
  channelOptions: Record<string, number>,
  opened: { proxy?: TcpProxy; pool?: GrpcPool },
): Promise<number> {
  const proxy = (opened.proxy = await startTcpProxy(server.address));
  const pool = (opened.pool = createEchoPool(proxy.address, { channelOptions }));
  const echo = pool.getService<EchoService>('EchoService');
  await firstValueFrom(echo.echo({ message: 'warm-up' }));
  const before = proxy.bytesToBackend;
  const reply = await firstValueFrom(echo.echo({ message: 'a'.repeat(65_536) }));
  expect(reply.message).toHaveLength(65_536);
  return proxy.bytesToBackend - before;
}

describe('compression through channelOptions', () => {
  let server: EchoServer | undefined;
  const opened: Array<{ proxy?: TcpProxy; pool?: GrpcPool }> = [];
  afterEach(async () => {
    for (const { pool, proxy } of opened.splice(0)) {
      if (pool) await closeTestPool(pool);
      await proxy?.close();
    }
    await server?.close();
    server = undefined;
  });

  it("'grpc.default_compression_algorithm': gzip sends each message compressed", async () => {
    server = await startEchoServer();
    const plain = {};
    const gzip = {};
    opened.push(plain, gzip);
    const plainBytes = await bytesForOneLargeCall(server, {}, plain);
    const gzipBytes = await bytesForOneLargeCall(
      server,
      { 'grpc.default_compression_algorithm': compressionAlgorithms.gzip },
      gzip,
    );
    expect(plainBytes).toBeGreaterThan(65_536);
    expect(gzipBytes).toBeLessThan(plainBytes / 10);
  });
});
