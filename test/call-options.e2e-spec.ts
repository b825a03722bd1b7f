import { status, type InterceptingCall, type Interceptor, type ServiceError } from '@grpc/grpc-js';
import { InterceptingCall as GrpcInterceptingCall } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../lib/index.js';
import { createEchoPool, type EchoService } from './support/echo-client.js';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { freePort } from './support/free-port.js';
import { closeTestPool } from './support/close-test-pool.js';

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
    const reply = firstValueFrom(
      echo.echo({ message: 'patient' }, undefined, { waitForReady: true, timeoutMs: 10_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    server = await startEchoServer({ port });
    expect((await reply).message).toBe('patient');
  });

  it('defaultCallOptions.timeoutMs gives every call a deadline; a call may set its own', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { defaultCallOptions: { timeoutMs: 50 } });
    const echo = pool.getService<EchoService>('EchoService');
    const error = (await firstValueFrom(echo.slow({ delayMs: 1000 })).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    const reply = await firstValueFrom(
      echo.slow({ delayMs: 100, message: 'longer' }, undefined, { timeoutMs: 2000 }),
    );
    expect(reply.message).toBe('longer');
  });

  it('per-method timeouts: the exact entry over the wildcard over the client default; the call over all', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      defaultCallOptions: { timeoutMs: 5000 },
      methods: {
        'EchoService/*': { timeoutMs: 2000 },
        'test.v1.EchoService/Slow': { timeoutMs: 50 },
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const slowError = (await firstValueFrom(echo.slow({ delayMs: 300 })).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(slowError.code).toBe(status.DEADLINE_EXCEEDED);
    const overridden = await firstValueFrom(
      echo.slow({ delayMs: 100, message: 'mine' }, undefined, { timeoutMs: 1000 }),
    );
    expect(overridden.message).toBe('mine');
    // Count falls under the wildcard: 2 s is plenty for this stream.
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
