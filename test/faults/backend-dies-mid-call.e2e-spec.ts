import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, tap } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { callOutcome } from '../support/call-outcome.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { settlesWithin } from '../support/hang-guard.js';

/** Bounds the waits for events below, and every call's deadline; never reached unless something hangs. */
const HANG_GUARD_MS = 10_000;
/** Far more messages than can arrive before the test kills the backend after the first one. */
const STREAM_LENGTH = 100;

/**
 * The flapping backend's guarantees, one death at a time, in the default tier
 * (the statistical version, 32 callers against a backend dying every 500 ms,
 * is test/heavy/faults/flapping-backend.e2e-spec.ts). The backend dies as a
 * client sees a SIGKILL: its connections are reset and its port refuses.
 */
describe('fault: the backend dies mid-call and comes back', () => {
  let server: EchoServer | undefined;
  let proxy: TcpProxy | undefined;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, proxy, server);
    pool = proxy = server = undefined;
  });

  it('a stream cut mid-way fails once (never completes short); calls wait or fail fast as asked; the next call after it is back succeeds', async () => {
    server = await startEchoServer();
    proxy = await startTcpProxy(server.address);
    pool = createEchoPool(proxy.address);
    const echo = pool.getService<EchoService>('EchoService');
    const options = { timeoutMs: HANG_GUARD_MS };

    // A stream the backend dies under, right after its first message.
    let died: Promise<void> | undefined;
    const stream$ = echo
      .count({ count: STREAM_LENGTH, intervalMs: 50 }, undefined, options)
      .pipe(tap(() => (died ??= proxy!.down())));
    const stream = await settlesWithin(callOutcome(stream$), HANG_GUARD_MS, 'the cut stream');
    await died;
    expect(stream.completed).toBe(false);
    expect(stream.settlements).toBe(1);
    expect(status[stream.error!.code]).toBe('UNAVAILABLE');
    expect(stream.messages.length).toBeGreaterThanOrEqual(1);
    expect(stream.messages.length).toBeLessThan(STREAM_LENGTH);

    await waitFor(() => pool!.state === 'down', HANG_GUARD_MS, 'the pool to see the backend down');
    // Without waitForReady a call fails at once: UNAVAILABLE, not by its (long) deadline.
    const fast = await failure(firstValueFrom(echo.echo({ message: 'fast' }, undefined, options)));
    expect(status[fast.code]).toBe('UNAVAILABLE');
    // With waitForReady it waits: still pending when the backend comes back, then served.
    let waiterSettled = false;
    const waiter = callOutcome(
      echo.echo({ message: 'waits' }, undefined, { ...options, waitForReady: true }),
    ).finally(() => (waiterSettled = true));
    await waitFor(
      () => pool!.stats().inFlight + pool!.stats().queued === 1,
      HANG_GUARD_MS,
      'the waiter to be in the pool',
    );
    expect(waiterSettled).toBe(false);
    await proxy.up();
    const waited = await settlesWithin(waiter, HANG_GUARD_MS, 'the waiting call');
    expect(waited).toMatchObject({ completed: true, error: undefined, settlements: 1 });
    expect(waited.messages.map((m) => m.message)).toEqual(['waits']);

    // Back: the next call succeeds with all its messages.
    const after = await settlesWithin(
      callOutcome(echo.count({ count: 3, intervalMs: 0 }, undefined, options)),
      HANG_GUARD_MS,
      'the call after recovery',
    );
    expect(after).toMatchObject({ completed: true, error: undefined, settlements: 1 });
    expect(after.messages).toHaveLength(3);
    expect(pool.stats().calls).toMatchObject({ started: 4, ok: 2, failed: 2 });
  });
});
