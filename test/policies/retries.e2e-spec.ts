import { status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, forkJoin, lastValueFrom, catchError, of } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { freePort } from '../support/free-port.js';
import { closeTestPool } from '../support/close-test-pool.js';

const fast = { initialBackoffMs: 5, maxBackoffMs: 20 };
/**
 * A deadline in seconds: it must leave room for more than one attempt however slow the machine
 * (each takes a few ms idle, a few hundred at worst under load), and it is the only thing that
 * can end a call allowed 1000 attempts 40 ms apart (40 s).
 */
const DEADLINE_MS = 2000;

describe('retries', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
  });

  it('retries an idempotent call on UNAVAILABLE until it succeeds, counted at the server', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: fast } });
    const echo = pool.getService<EchoService>('EchoService');
    const reply = await firstValueFrom(
      echo.echo(
        { message: 'ok', failWith: status.UNAVAILABLE, failTimes: 2, key: 'a' },
        undefined,
        { idempotent: true },
      ),
    );
    expect(reply.message).toBe('ok');
    expect(server.attempts.get('a')).toBe(3);
    expect(pool.stats()).toMatchObject({ retries: 2, calls: { started: 1, ok: 1, failed: 0 } });
  });

  it('marks methods idempotent per method, and honours retry: false', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      defaultCallOptions: { retry: fast },
      methods: { 'EchoService/Echo': { idempotent: true } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(
      echo.echo({ message: 'm', failWith: status.UNAVAILABLE, failTimes: 1, key: 'm' }),
    );
    expect(server.attempts.get('m')).toBe(2);
    const off = await failure(
      firstValueFrom(
        echo.echo({ failWith: status.UNAVAILABLE, failTimes: 1, key: 'off' }, undefined, {
          retry: false,
        }),
      ),
    );
    expect(off.code).toBe(status.UNAVAILABLE);
    expect(server.attempts.get('off')).toBe(1);
  });

  it('never replays a call the server received unless it is idempotent', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: fast } });
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(
      firstValueFrom(echo.echo({ failWith: status.UNAVAILABLE, failTimes: 1, key: 'n' })),
    );
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(server.attempts.get('n')).toBe(1);
    expect(pool.stats().retries).toBe(0);
  });

  it('does not retry a code outside retryableCodes', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: fast } });
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(
      firstValueFrom(
        echo.echo({ failWith: status.INTERNAL, failTimes: 1, key: 'i' }, undefined, {
          idempotent: true,
        }),
      ),
    );
    expect(error.code).toBe(status.INTERNAL);
    expect(server.attempts.get('i')).toBe(1);
  });

  it('replays a non-idempotent call that never reached a server (no connection)', async () => {
    const port = await freePort();
    pool = createEchoPool(`127.0.0.1:${port}`, {
      defaultCallOptions: { retry: { ...fast, maxAttempts: 3 } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(firstValueFrom(echo.echo({ message: 'x' })));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(pool.stats()).toMatchObject({ retries: 2, calls: { started: 1, failed: 1 } });
  });

  it('bounds the attempts and backoffs by the deadline: it ends the call, not maxAttempts', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { retryBudget: { minPerSecond: 1000 } },
      defaultCallOptions: {
        retry: { maxAttempts: 1000, initialBackoffMs: 40, maxBackoffMs: 40, backoffMultiplier: 1 },
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(
      firstValueFrom(
        echo.echo({ failWith: status.UNAVAILABLE, key: 'd' }, undefined, {
          idempotent: true,
          timeoutMs: DEADLINE_MS,
        }),
      ),
    );
    // The deadline, not the last UNAVAILABLE: the call was still retrying when time ran out.
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    const attempts = server.attempts.get('d')!;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(1000);
    const stats = pool.stats();
    expect(stats).toMatchObject({ deadlineExceeded: 1, inFlight: 0, calls: { failed: 1 } });
    // Every attempt the server saw was one the pool sent (the first or a counted retry).
    expect(attempts).toBeLessThanOrEqual(1 + stats.retries);
  });

  it('keeps a failing backend from a retry storm: 200 calls x maxAttempts 5 stay within 1.2x on the wire', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      // No per-second trickle: what the budget allows is then a count (ratio 0.2 of the calls),
      // not a rate that a slow machine, taking longer over the 200 calls, would earn more of.
      // The trickle has its own fake-timer test (lib/policies/retry-budget.spec.ts).
      pool: { retryBudget: { ratio: 0.2, minPerSecond: 0 } },
      defaultCallOptions: { retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const calls = Array.from({ length: 200 }, (_, i) =>
      echo
        .echo({ failWith: status.UNAVAILABLE, key: `s${i}` }, undefined, { idempotent: true })
        .pipe(catchError((error: ServiceError) => of(error.code))),
    );
    const codes = await lastValueFrom(forkJoin(calls));
    expect(codes.every((code) => code === status.UNAVAILABLE)).toBe(true);
    const onTheWire = [...server.attempts.values()].reduce((a, b) => a + b, 0);
    // 200 calls earn 200 x 0.2 = 40 retries at most, against the 800 that maxAttempts 5 allows.
    expect(onTheWire).toBeLessThanOrEqual(240);
    const stats = pool.stats();
    expect(stats.retries).toBeLessThanOrEqual(40);
    expect(stats.retriesRefusedByBudget).toBeGreaterThan(0);
    expect(onTheWire).toBe(200 + stats.retries);
    expect(stats.calls).toMatchObject({ started: 200, failed: 200, ok: 0 });
  });

  it('honours grpc-retry-pushback-ms: waits as told, and stops on a negative value', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: fast } });
    const echo = pool.getService<EchoService>('EchoService');
    // The exact wait (the pushback in place of the backoff) is pinned with fake timers in
    // lib/policies; here only a lower bound, which load can only make truer: the retry came
    // after the 200 ms the server asked for, not after the 5-20 ms backoff.
    const started = Date.now();
    await firstValueFrom(
      echo.echo(
        { failWith: status.UNAVAILABLE, failTimes: 1, key: 'p', pushbackMs: 200 },
        undefined,
        { idempotent: true },
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(server.attempts.get('p')).toBe(2);
    const stop = await failure(
      firstValueFrom(
        echo.echo(
          { failWith: status.UNAVAILABLE, failTimes: 1, key: 'q', pushbackMs: -1 },
          undefined,
          { idempotent: true },
        ),
      ),
    );
    expect(stop.code).toBe(status.UNAVAILABLE);
    expect(server.attempts.get('q')).toBe(1);
  });

  it('sends the next attempt on a different channel', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { minChannels: 2, maxChannels: 2 },
      defaultCallOptions: { retry: fast },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const reply = await firstValueFrom(
      echo.echo({ message: 'r', failWith: status.UNAVAILABLE, failTimes: 1, key: 'c' }, undefined, {
        idempotent: true,
      }),
    );
    expect(pool.stats().channels.map((c) => c.calls)).toEqual([1, 1]);
    expect(reply.message).toBe('r');
  });

  it('fails the call only for a bad per-call retry option', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(
      firstValueFrom(echo.echo({ message: 'x' }, undefined, { retry: { maxAttempts: 0 } })),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      'Invalid call to gRPC pool "ECHO": options.retry.maxAttempts must be an integer >= 1 (got 0)',
    );
  });
});
