import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, forkJoin } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** Bounds the waits for events below; never reached unless something hangs. */
const HANG_GUARD_MS = 10_000;
const allReady = (pool: GrpcPool) => pool.stats().channels.every((c) => c.state === 'READY');

describe('channel pool: real connections', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
  });

  it('opens minChannels distinct HTTP/2 connections, counted at the server', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { pool: { minChannels: 4, maxChannels: 4 } });
    const echo = pool.getService<EchoService>('EchoService');
    await waitFor(() => allReady(pool!), HANG_GUARD_MS, 'four READY channels');
    const calls = Array.from({ length: 40 }, (_, i) =>
      firstValueFrom(echo.echo({ message: String(i) })),
    );
    const replies = await Promise.all(calls);
    expect(new Set(replies.map((r) => r.peer)).size).toBe(4);
    expect(server.peers.size).toBe(4);
    expect(pool.stats().channels.map((c) => c.calls)).toEqual([10, 10, 10, 10]);
  });

  it('carries more than 100 concurrent calls past a 100-streams-per-connection server', async () => {
    server = await startEchoServer({ maxConcurrentStreams: 100 });
    pool = createEchoPool(server.address, {
      pool: { minChannels: 4, maxChannels: 4, maxConcurrentCallsPerChannel: 100 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // All four connected first, so the 400 calls go out at once rather than as connections come up.
    await waitFor(() => allReady(pool!), HANG_GUARD_MS, 'four READY channels');
    // Each call holds its stream long enough for the others to arrive (not an assertion on time).
    const calls = Array.from({ length: 400 }, () => echo.slow({ delayMs: 500 }));
    await lastValueFrom(forkJoin(calls));
    expect(server.maxActive).toBeGreaterThan(100);
    expect(server.peers.size).toBe(4);
    const stats = pool.stats();
    expect(stats.channels).toHaveLength(4);
    expect(stats.calls).toMatchObject({ started: 400, ok: 400, failed: 0 });
    expect(stats.inFlight).toBe(0);
  });

  it('grows only when every channel is full, and closes idle channels down to minChannels', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 3, maxConcurrentCallsPerChannel: 2, idleTimeoutMs: 100 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'warm' }));
    expect(pool.stats().channels).toHaveLength(1);
    await lastValueFrom(forkJoin(Array.from({ length: 6 }, () => echo.slow({ delayMs: 50 }))));
    expect(pool.stats().channels).toHaveLength(3);
    expect(server.peers.size).toBe(3);
    await waitFor(
      () => pool!.stats().channels.length === 1,
      HANG_GUARD_MS,
      'idle channels to close',
    );
  });

  it('reports stats: states, in flight, outcomes by code, hit rate and latency percentiles', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 2, maxConcurrentCallsPerChannel: 1 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const empty = pool.stats();
    expect(empty.latencyMs).toEqual({ p50: null, p95: null, p99: null });
    expect(empty.hitRate).toBe(1);
    await waitFor(() => pool!.state === 'ready', HANG_GUARD_MS, 'the pool to be ready');
    await firstValueFrom(echo.echo({ message: 'a' }));
    await firstValueFrom(echo.echo({ message: 'b', failWith: 5 })).catch(() => undefined);
    // Two at once on one ready channel with room for one: the second opens a channel (a miss).
    await lastValueFrom(forkJoin([echo.slow({ delayMs: 20 }), echo.slow({ delayMs: 20 })]));
    const stats = pool.stats();
    expect(stats.name).toBe('ECHO');
    expect(stats.state).toBe('ready');
    expect(stats.calls).toEqual({ started: 4, ok: 3, failed: 1, byCode: { OK: 3, NOT_FOUND: 1 } });
    expect(stats.hitRate).toBeCloseTo(3 / 4);
    expect(stats.inFlight).toBe(0);
    expect(stats.queued).toBe(0);
    expect(stats.channels).toHaveLength(2);
    expect(stats.channels[0]).toMatchObject({ id: 1, target: server.address, inFlight: 0 });
    expect(stats.latencyMs.p50).toBeGreaterThan(0);
    expect(stats.latencyMs.p99!).toBeGreaterThanOrEqual(stats.latencyMs.p50!);
  });
});
