import { status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { GrpcPool } from '../../lib/index.js';
import {
  createEchoPool,
  type EchoCallbackClient,
  type EchoService,
} from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** A bound far above the few ms a cancel takes to reach the server: only a hang reaches it. */
const HANG_GUARD_MS = 10_000;
const DRAINING = 'gRPC pool "ECHO" is draining for shutdown and takes no new calls';
const CLOSED = 'gRPC pool "ECHO" is closed';

describe('close(): drain, then close', () => {
  let server: EchoServer;
  let pool: GrpcPool;

  afterEach(async () => {
    await closeTestPool(pool, server);
  });

  it('calls already started finish (running, queued, streaming); new calls are refused; then every channel closes', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      pool: { maxChannels: 1, maxConcurrentCallsPerChannel: 2 },
    });
    const states: string[] = [];
    let stateCompleted = false;
    pool.state$.subscribe({
      next: (state) => states.push(state),
      complete: () => (stateCompleted = true),
    });
    const echo = pool.getService<EchoService>('EchoService');
    const running = firstValueFrom(echo.slow({ delayMs: 300, message: 'running' }));
    const streaming = lastValueFrom(echo.count({ count: 5, intervalMs: 50 }).pipe(toArray()));
    const queued = firstValueFrom(echo.echo({ message: 'queued' }));
    await waitFor(() => server.active === 2, HANG_GUARD_MS, 'both calls to reach the server');
    expect(pool.stats()).toMatchObject({ inFlight: 2, queued: 1 });

    const closing = pool.close();
    expect(pool.state).toBe('draining');
    const refused = await failure(firstValueFrom(echo.echo({ message: 'new' })));
    expect(refused.code).toBe(status.UNAVAILABLE);
    expect(refused.details).toBe(DRAINING);

    expect((await running).message).toBe('running');
    expect((await queued).message).toBe('queued');
    expect((await streaming).map((reply) => reply.message)).toEqual(['0', '1', '2', '3', '4']);
    await closing;
    expect(pool.state).toBe('closed');
    expect(pool.stats().channels).toEqual([]);
    expect(states.slice(-2)).toEqual(['draining', 'closed']);
    expect(stateCompleted).toBe(true);

    const late = await failure(firstValueFrom(echo.echo({ message: 'late' })));
    expect(late.code).toBe(status.UNAVAILABLE);
    expect(late.details).toBe(CLOSED);
    expect(pool.stats().calls.byCode).toEqual({ OK: 3, UNAVAILABLE: 2 });
  });

  it('the drain is bounded by drainTimeoutMs: what is left is cancelled, on the wire too', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      drainTimeoutMs: 200,
      // A call that is waiting out a retry backoff is a call in flight too.
      defaultCallOptions: { retry: { maxAttempts: 2, initialBackoffMs: 5000, maxBackoffMs: 5000 } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const slow = failure(firstValueFrom(echo.slow({ delayMs: 5000 })));
    const retrying = failure(
      firstValueFrom(
        echo.echo(
          // The server's pushback fixes the wait at 5 s: full jitter could make it a few ms.
          {
            message: 'r',
            failWith: status.UNAVAILABLE,
            failTimes: 1,
            key: 'drain',
            pushbackMs: 5000,
          },
          undefined,
          { idempotent: true },
        ),
      ),
    );
    const callback = pool.getClientByServiceName<EchoCallbackClient>('EchoService');
    const callbackError = new Promise<ServiceError | null>((resolve) =>
      callback.slow({ delayMs: 5000 }, (error) => resolve(error)),
    );
    await waitFor(
      () => server.active === 2 && server.attempts.get('drain') === 1,
      HANG_GUARD_MS,
      'both Slow calls on the server and the first attempt of the retrying call',
    );

    // How long the drain waits is pinned by fake-timer unit tests; here, what it leaves behind.
    await pool.close();
    expect(pool.state).toBe('closed');

    const shutdownDetails =
      'gRPC pool "ECHO" closed during shutdown: the call did not finish within drainTimeoutMs 200';
    for (const error of [await slow, await retrying]) {
      expect(error.code).toBe(status.CANCELLED);
      expect(error.details).toBe(shutdownDetails);
    }
    // grpc-js's own callback calls can only be cancelled the grpc-js way.
    expect((await callbackError)?.code).toBe(status.CANCELLED);
    // Both 5-second handlers stopped early: only a cancel on the wire ends them.
    await waitFor(() => server.active === 0, HANG_GUARD_MS, 'the server to see both cancels');
    expect(server.cancelled).toBe(2);
    // The call waiting out its backoff was not tried again.
    expect(server.attempts.get('drain')).toBe(1);
    expect(pool.stats().calls.byCode).toMatchObject({ CANCELLED: 3 });
  });

  it('drainTimeoutMs 0 cancels at once; closing twice returns the same promise; close before start is safe', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, { drainTimeoutMs: 0 });
    const echo = pool.getService<EchoService>('EchoService');
    const slow = failure(firstValueFrom(echo.slow({ delayMs: 5000 })));
    await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the call to reach the server');
    const first = pool.close();
    expect(pool.close()).toBe(first);
    await first;
    expect((await slow).code).toBe(status.CANCELLED);

    const neverStarted = new GrpcPool({
      name: 'ECHO',
      package: ECHO_PACKAGE,
      protoPath: ECHO_PROTO,
      url: server.address,
    });
    await neverStarted.close();
    await neverStarted.onModuleInit();
    expect(neverStarted.state).toBe('closed');
    expect(neverStarted.stats().channels).toEqual([]);
  });
});
