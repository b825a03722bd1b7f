import { Metadata, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, Subject, throwError } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** Bounds the waits for events below; never reached unless something hangs. */
const HANG_GUARD_MS = 10_000;

describe('channel pool: limits, queueing and slot accounting', () => {
  let server: EchoServer;
  let pool: GrpcPool;

  afterEach(async () => {
    await closeTestPool(pool, server);
  });

  it('queues when full, hands the freed slot to the first waiter, and fails a full queue at once', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: {
        minChannels: 1,
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 2,
        maxQueued: 1,
        acquireTimeoutMs: 2000,
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const running = [
      firstValueFrom(echo.slow({ delayMs: 100, message: 'a' })),
      firstValueFrom(echo.slow({ delayMs: 100, message: 'b' })),
    ];
    const queued = firstValueFrom(echo.echo({ message: 'queued' }));
    expect(pool.stats()).toMatchObject({ inFlight: 2, queued: 1 });
    const rejected = await failure(firstValueFrom(echo.echo({ message: 'overflow' })));
    expect(rejected.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(rejected.details).toBe(
      'gRPC pool "ECHO" is exhausted: 2 calls in flight on 1/1 channels (maxConcurrentCallsPerChannel 2), ' +
        '1/1 queued (maxQueued 1); the queue is full',
    );
    expect((await queued).message).toBe('queued');
    await Promise.all(running);
    expect(pool.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('fails a waiter with RESOURCE_EXHAUSTED after acquireTimeoutMs, naming the pool and limits', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: {
        minChannels: 1,
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 1,
        acquireTimeoutMs: 100,
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // The only slot stays taken until the test ends this stream: nothing frees it by chance.
    const holder = new Subject<{ message: string }>();
    const running = lastValueFrom(echo.chat(holder), { defaultValue: undefined });
    const started = performance.now();
    const error = await failure(firstValueFrom(echo.echo({ message: 'waits' })));
    // It waited for a slot before giving up (load can only make this wait longer).
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toContain(
      'gRPC pool "ECHO" is exhausted: 1 calls in flight on 1/1 channels',
    );
    expect(error.details).toContain('no slot freed within acquireTimeoutMs 100');
    holder.complete();
    await running;
  });

  it('fails a queued call by its deadline when that comes before acquireTimeoutMs', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: {
        minChannels: 1,
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 1,
        acquireTimeoutMs: 5000,
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const holder = new Subject<{ message: string }>();
    const running = lastValueFrom(echo.chat(holder), { defaultValue: undefined });
    const error = await failure(
      firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: 50 })),
    );
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain('waiting for a free channel in gRPC pool "ECHO"');
    holder.complete();
    await running;
  });

  it('withdraws a queued call on unsubscribe without sending it', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const callsBefore = server.calls;
    const running = firstValueFrom(echo.slow({ delayMs: 100 }));
    const subscription = echo.echo({ message: 'never sent' }).subscribe();
    expect(pool.stats().queued).toBe(1);
    subscription.unsubscribe();
    expect(pool.stats().queued).toBe(0);
    await running;
    // A barrier, not a pause: a call sent after it on the same connection arrives after anything sent before.
    await firstValueFrom(echo.echo({ message: 'after' }));
    expect(server.calls).toBe(callsBefore + 2);
    expect(server.metadataOf.has('never sent')).toBe(false);
  });

  it('releases each slot exactly once however calls end: ok, error, cancel, deadline, bad input, broken stream', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 2, maxConcurrentCallsPerChannel: 3, maxQueued: 50 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(firstValueFrom(echo.echo({ message: 'ok' })));
      outcomes.push(
        firstValueFrom(echo.echo({ message: 'err', failWith: status.INTERNAL })).catch(
          () => 'error',
        ),
      );
      outcomes.push(
        firstValueFrom(echo.slow({ delayMs: 200 }, undefined, { timeoutMs: 20 })).catch(
          () => 'deadline',
        ),
      );
      outcomes.push(
        firstValueFrom(echo.echo({ message: 'bad' }, 'not metadata' as unknown as Metadata)).catch(
          () => 'bad',
        ),
      );
      outcomes.push(
        firstValueFrom(echo.collect(throwError(() => new Error('broken')))).catch(() => 'broken'),
      );
      const cancelled = echo.slow({ delayMs: 1000 }).subscribe();
      setTimeout(() => cancelled.unsubscribe(), 5 * i);
      const bidi = echo.chat(new Subject()).subscribe();
      setTimeout(() => bidi.unsubscribe(), 3 * i);
    }
    await Promise.all(outcomes);
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'every slot to be released');
    const stats = pool.stats();
    expect(stats.queued).toBe(0);
    expect(stats.channels.every((c) => c.inFlight === 0)).toBe(true);
    // Counts never went negative: one more call still gets a slot and a reply.
    expect((await firstValueFrom(echo.echo({ message: 'after' }))).message).toBe('after');
    expect(pool.stats().inFlight).toBe(0);
  });
});
