import { status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, Subject } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { expectCountsAddUp } from '../support/counts-add-up.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

const oneSlot = { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 };

describe('calls.started = ok + failed whenever nothing is in flight', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;
  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = server = undefined;
  });

  it('a client stream whose requests fail while it waits for a slot is counted failed once', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { pool: oneSlot });
    const echo = pool.getService<EchoService>('EchoService');
    const holder = firstValueFrom(echo.slow({ delayMs: 100 }));
    const requests = new Subject<{ message: string }>();
    const waiting = failure(firstValueFrom(echo.collect(requests)));
    expect(pool.stats().queued).toBe(1);
    requests.error(new Error('the request source broke'));
    const error = await waiting;
    expect(error.details).toBe('the request source broke');
    expect(pool.stats().queued).toBe(0);
    await holder;
    expect(pool.stats().calls).toMatchObject({ started: 2, ok: 1, failed: 1 });
    await expectCountsAddUp(pool);
  });

  it('a callback-style unary call grpc-js refuses (no callback) is not counted as started', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const client = pool.getClientByServiceName<{
      Echo(request: object, callback?: (error: ServiceError | null) => void): unknown;
    }>('EchoService');
    expect(() => client.Echo({ message: 'no callback' })).toThrow();
    expect(pool.stats()).toMatchObject({ inFlight: 0, calls: { started: 0 } });
    await new Promise<void>((resolve, reject) =>
      client.Echo({ message: 'with callback' }, (error) => (error ? reject(error) : resolve())),
    );
    await expectCountsAddUp(pool);
    expect(pool.stats().calls).toMatchObject({ started: 1, ok: 1, failed: 0 });
  });

  it('remote health checks are not calls: channels count them as attempts, calls.started does not', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    await firstValueFrom(pool.getService<EchoService>('EchoService').echo({ message: 'one' }));
    await pool.checkHealth({ remote: true });
    await pool.checkHealth({ remote: true });
    const stats = pool.stats();
    expect(stats.calls.started).toBe(1);
    expect(stats.channels.reduce((sum, channel) => sum + channel.calls, 0)).toBe(3);
    expect(server.healthChecks).toBe(2);
  });

  it('a failing request stream on the wire is counted once, with its own error', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    const requests = new Subject<{ message: string }>();
    const outcome = failure(firstValueFrom(echo.collect(requests)));
    requests.next({ message: 'a' });
    await waitFor(() => server!.active === 1, HANG_GUARD_MS, 'the stream to reach the server');
    requests.error(new Error('broke mid-stream'));
    expect((await outcome).details).toBe('broke mid-stream');
    await expectCountsAddUp(pool);
    expect(pool.stats().calls).toMatchObject({ started: 1, failed: 1 });
    expect(pool.stats().calls.byCode).not.toHaveProperty(status[status.OK]);
  });
});
