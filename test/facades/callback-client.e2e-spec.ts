import { Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoCallbackClient, type EchoReply } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** A hang guard: far above the few ms the awaited step takes. */
const HANG_GUARD_MS = 10_000;

describe('getClientByServiceName: a grpc-js style client on the pool', () => {
  let server: EchoServer;
  let pool: GrpcPool;

  beforeAll(async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { pool: { minChannels: 2, maxChannels: 2 } });
  });
  afterAll(async () => {
    await closeTestPool(pool, server);
  });

  it('makes callback unary calls and streams over the pool channels, counted in stats', async () => {
    const client = pool.getClientByServiceName<EchoCallbackClient>('EchoService');
    const reply = await new Promise<EchoReply>((resolve, reject) =>
      client.echo({ message: 'cb' }, new Metadata(), (error, value) =>
        error ? reject(error) : resolve(value!),
      ),
    );
    expect(reply.message).toBe('cb');
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.Count({ count: 3, intervalMs: 1 });
      stream.on('data', (r: EchoReply) => messages.push(r.message));
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    expect(messages).toEqual(['0', '1', '2']);
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'both slots to be released');
    expect(pool.stats().calls.ok).toBe(2);
    expect(pool.getClientByServiceName('EchoService')).toBe(client);
  });
});
