import { status, type InterceptingCall, type Interceptor, type ServiceError } from '@grpc/grpc-js';
import { InterceptingCall as GrpcInterceptingCall } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A deadline meant to be met: long enough that no load can make a 100 ms backend miss it (and
 * the bound on how long such a call may hang).
 */
const HANG_GUARD_MS = 10_000;

describe('call options and channel options', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
  });

  it('fails fast with UNAVAILABLE when nothing listens, and frees the slot', async () => {
    const port = await freePort();
    pool = createEchoPool(`127.0.0.1:${port}`);
    const echo = pool.getService<EchoService>('EchoService');
    const error = (await firstValueFrom(echo.echo({ message: 'x' })).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(pool.stats().inFlight).toBe(0);
    expect(pool.stats().calls.byCode).toEqual({ UNAVAILABLE: 1 });
  });

  it('waitForReady (per call) waits for a backend that comes up, within the deadline', async () => {
    const port = await freePort();
    pool = createEchoPool(`127.0.0.1:${port}`);
    const echo = pool.getService<EchoService>('EchoService');
    let settled = false;
    const reply = firstValueFrom(
      echo.echo({ message: 'patient' }, undefined, {
        waitForReady: true,
        timeoutMs: 3 * HANG_GUARD_MS,
      }),
    ).finally(() => (settled = true));
    // A connection attempt has failed (the point where a call without waitForReady fails
    // with UNAVAILABLE), and the call is still waiting.
    await waitFor(
      () => pool!.stats().channels.some((channel) => channel.state === 'TRANSIENT_FAILURE'),
      HANG_GUARD_MS,
      'a connection attempt to fail',
    );
    expect(settled).toBe(false);
    expect(pool.stats().inFlight).toBe(1);
    server = await startEchoServer({ port });
    expect((await reply).message).toBe('patient');
    expect(server.calls).toBe(1);
  });

  it('defaultCallOptions.timeoutMs gives every call a deadline; a call may set its own', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { defaultCallOptions: { timeoutMs: 50 } });
    const echo = pool.getService<EchoService>('EchoService');
    // The backend answers only after the 50 ms deadline: the deadline must end the call.
    const error = (await firstValueFrom(echo.slow({ delayMs: 1000 })).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(server.slowTimeoutsMs[0]).toBeLessThanOrEqual(50);
    const reply = await firstValueFrom(
      echo.slow({ delayMs: 100, message: 'longer' }, undefined, { timeoutMs: HANG_GUARD_MS }),
    );
    expect(reply.message).toBe('longer');
    expect(server.slowTimeoutsMs[1]).toBeGreaterThan(50);
    expect(server.slowTimeoutsMs[1]).toBeLessThanOrEqual(HANG_GUARD_MS);
  });

  it('per-method timeouts: the exact entry over the wildcard over the client default; the call over all', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      defaultCallOptions: { timeoutMs: 3 * HANG_GUARD_MS },
      methods: {
        'EchoService/*': { timeoutMs: HANG_GUARD_MS },
        'test.v1.EchoService/Slow': { timeoutMs: 50 },
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const slowError = (await firstValueFrom(echo.slow({ delayMs: 300 })).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(slowError.code).toBe(status.DEADLINE_EXCEEDED);
    expect(server.slowTimeoutsMs[0]).toBeLessThanOrEqual(50);
    const overridden = await firstValueFrom(
      echo.slow({ delayMs: 100, message: 'mine' }, undefined, { timeoutMs: 2 * HANG_GUARD_MS }),
    );
    expect(overridden.message).toBe('mine');
    // The call's own, over the exact entry, the wildcard and the client default alike.
    expect(server.slowTimeoutsMs[1]).toBeGreaterThan(HANG_GUARD_MS);
    expect(server.slowTimeoutsMs[1]).toBeLessThanOrEqual(2 * HANG_GUARD_MS);
    // Count falls under the wildcard: plenty for this stream.
    const counted = await firstValueFrom(echo.count({ count: 1, intervalMs: 1 }));
    expect(counted.message).toBe('0');
  });

  it('runs native grpc-js interceptors given in channelOptions.interceptors', async () => {
    server = await startEchoServer();
    const seen: string[] = [];
    const addToken: Interceptor = (options, nextCall): InterceptingCall =>
      new GrpcInterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          seen.push(options.method_definition.path);
          metadata.set('authorization', 'Bearer from-interceptor');
          next(metadata, listener);
        },
      });
    pool = createEchoPool(server.address, { channelOptions: { interceptors: [addToken] } });
    const reply = await firstValueFrom(
      pool.getService<EchoService>('EchoService').echo({ message: 'i' }),
    );
    expect(reply.token).toBe('Bearer from-interceptor');
    expect(seen).toEqual(['/test.v1.EchoService/Echo']);
  });

  it('reaches a dns:/// target', async () => {
    server = await startEchoServer();
    pool = createEchoPool(`dns:///127.0.0.1:${server.port}`);
    const reply = await firstValueFrom(
      pool.getService<EchoService>('EchoService').echo({ message: 'dns' }),
    );
    expect(reply.message).toBe('dns');
  });
});
