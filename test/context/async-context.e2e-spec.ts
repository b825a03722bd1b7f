import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { status } from '@grpc/grpc-js';
import { Controller, Get, Inject } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, map, Subject, switchMap, toArray } from 'rxjs';
import {
  GrpcPool,
  GrpcTimeout,
  GrpcTimeoutInterceptor,
  InjectGrpcPool,
  type GrpcCallContext,
  type GrpcCallInterceptor,
} from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { startFailingEchoServer, type FailingEchoServer } from '../support/failing-echo-server.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** A request's identity, as an app keeps it (a user, a tenant, a token). */
const requestStore = new AsyncLocalStorage<string>();

/** The bearer-token interceptor of docs/interceptors.md: it reads the credentials of the request being handled. */
class BearerTokenInterceptor implements GrpcCallInterceptor {
  readonly seen: { attempt: number; store: string | undefined }[] = [];
  beforeAttempt(call: GrpcCallContext): void {
    const store = requestStore.getStore();
    this.seen.push({ attempt: call.attempt, store });
    if (store !== undefined) call.metadata.set('authorization', `Bearer ${store}`);
  }
}

const oneSlot = { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 };

describe('a call that waits runs in the async context it was made in', () => {
  let pool: GrpcPool | undefined;
  let server: EchoServer | FailingEchoServer | undefined;
  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = server = undefined;
  });

  it('queued calls send their own request credentials, not those of the call that freed the slot', async () => {
    const echoServer = await startEchoServer();
    server = echoServer;
    const bearer = new BearerTokenInterceptor();
    pool = createEchoPool(echoServer.address, { pool: oneSlot, interceptors: [bearer] });
    const echo = pool.getService<EchoService>('EchoService');
    // Make the connection outside every request, as the pool's start-up does.
    await firstValueFrom(echo.echo({ message: 'warm-up' }));
    const holder = requestStore.run('A', () =>
      firstValueFrom(echo.slow({ delayMs: 150, message: 'A' })),
    );
    const queuedB = requestStore.run('B', () => firstValueFrom(echo.echo({ message: 'B' })));
    const queuedC = requestStore.run('C', () => firstValueFrom(echo.echo({ message: 'C' })));
    expect(pool.stats().queued).toBe(2);
    const [, b, c] = await Promise.all([holder, queuedB, queuedC]);
    expect(b.token).toBe('Bearer B');
    expect(c.token).toBe('Bearer C');
    expect(bearer.seen.map((s) => s.store)).toEqual([undefined, 'A', 'B', 'C']);
  });

  it('a queued call delivers its responses in its own context, so what it starts next is its own', async () => {
    const echoServer = await startEchoServer();
    server = echoServer;
    pool = createEchoPool(echoServer.address, { pool: oneSlot });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'warm-up' }));
    const storeAt = (): string | undefined => requestStore.getStore();
    const holder = requestStore.run('A', () =>
      lastValueFrom(echo.count({ count: 3, intervalMs: 30 }).pipe(map(storeAt), toArray())),
    );
    const queued = requestStore.run('B', () =>
      lastValueFrom(echo.count({ count: 3, intervalMs: 1 }).pipe(map(storeAt), toArray())),
    );
    const chained = requestStore.run('C', () =>
      firstValueFrom(
        echo.echo({ message: 'first' }).pipe(
          switchMap(() => echo.echo({ message: 'second' })),
          map(storeAt),
        ),
      ),
    );
    expect(await holder).toEqual(['A', 'A', 'A']);
    expect(await queued).toEqual(['B', 'B', 'B']);
    expect(await chained).toBe('C');
  });

  it('a queued call whose request stream fails from elsewhere fails in its own context', async () => {
    const echoServer = await startEchoServer();
    server = echoServer;
    pool = createEchoPool(echoServer.address, { pool: oneSlot });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'warm-up' }));
    const holder = requestStore.run('A', () => firstValueFrom(echo.slow({ delayMs: 100 })));
    const requests = new Subject<{ message: string }>();
    const failedIn = requestStore.run(
      'B',
      () =>
        new Promise<string | undefined>((resolve) =>
          echo.collect(requests).subscribe({ error: () => resolve(requestStore.getStore()) }),
        ),
    );
    requestStore.run('OTHER', () => requests.error(new Error('the source broke')));
    expect(await failedIn).toBe('B');
    await holder;
  });

  it('a getClientByServiceName() callback runs in the context its call was made in', async () => {
    const echoServer = await startEchoServer();
    server = echoServer;
    // No channel yet: the first call, made in A's context, opens the connection.
    pool = createEchoPool(echoServer.address, { pool: { minChannels: 0 } });
    const client = pool.getClientByServiceName<{
      Echo(request: object, callback: (error: Error | null) => void): unknown;
    }>('EchoService');
    const callIn = (store: string): Promise<string | undefined> =>
      requestStore.run(
        store,
        () =>
          new Promise((resolve, reject) =>
            client.Echo({ message: store }, (error) =>
              error ? reject(error) : resolve(requestStore.getStore()),
            ),
          ),
      );
    expect(await Promise.all([callIn('A'), callIn('B'), callIn('C')])).toEqual(['A', 'B', 'C']);
  });

  it('a retry after backoff runs in the context of its call', async () => {
    const failing = await startFailingEchoServer();
    server = failing;
    failing.behave({ code: status.UNAVAILABLE, failAttempts: 1 });
    const bearer = new BearerTokenInterceptor();
    pool = createEchoPool(failing.address, { interceptors: [bearer] });
    const echo = pool.getService<EchoService>('EchoService');
    const retried = requestStore.run('R', () =>
      firstValueFrom(
        echo.echo({ message: 'r' }, undefined, {
          idempotent: true,
          retry: { maxAttempts: 2, initialBackoffMs: 20, maxBackoffMs: 20 },
        }),
      ),
    );
    expect((await retried).message).toBe('ok');
    expect(bearer.seen).toEqual([
      { attempt: 1, store: 'R' },
      { attempt: 2, store: 'R' },
    ]);
  });
});

/**
 * The two budgets, far apart: a call that carried the holder's budget instead of its own
 * would arrive with a deadline minutes later. Both are also hang guards: no call here
 * waits for either to run out.
 */
const HOLD_BUDGET_MS = 600_000;
const CHAIN_BUDGET_MS = 30_000;
/** The requests the holder streams: it keeps the pool's only slot until the test completes them. */
const HOLD_REQUESTS = 'HOLD_REQUESTS';

@Controller()
class TwoRequestsController {
  private readonly echo: EchoService;
  constructor(
    @InjectGrpcPool('ECHO') pool: GrpcPool,
    @Inject(HOLD_REQUESTS) private readonly holdRequests: Subject<{ message: string }>,
  ) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  /** Holds the pool's only slot, with a budget of its own, until the test ends its request stream. */
  @Get('hold')
  @GrpcTimeout(HOLD_BUDGET_MS)
  hold() {
    return firstValueFrom(this.echo.collect(this.holdRequests));
  }

  /** Waits for the slot, then makes a second call from the first one's response. */
  @Get('chain')
  @GrpcTimeout(CHAIN_BUDGET_MS)
  chain() {
    return firstValueFrom(
      this.echo
        .echo({ message: 'first' })
        .pipe(switchMap(() => this.echo.slow({ delayMs: 1, message: 'second' }))),
    );
  }
}

describe('@GrpcTimeout budgets of two HTTP requests that share one slot', () => {
  let app: EchoHttpApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('the queued request keeps its own budget, for the call it chains too', async () => {
    const holdRequests = new Subject<{ message: string }>();
    app = await startEchoHttpApp({
      controllers: [TwoRequestsController],
      providers: [
        { provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor },
        { provide: HOLD_REQUESTS, useValue: holdRequests },
      ],
      client: { pool: oneSlot },
    });
    const { base, server } = app;
    const pool = app.app.get<GrpcPool>('ECHO');
    // Both requests open connections of their own to the app; the pool's one channel is warm.
    const holdSentAt = Date.now();
    const holding = fetch(`${base}/hold`);
    let chaining: Promise<Response> | undefined;
    try {
      await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the holder to reach the server');
      const chainSentAt = Date.now();
      chaining = fetch(`${base}/chain`);
      await waitFor(() => pool.stats().queued === 1, HANG_GUARD_MS, 'the chain request to queue');
      holdRequests.next({ message: 'held' });
      holdRequests.complete();
      expect((await holding).status).toBe(200);
      const chained = await chaining;
      expect(chained.status).toBe(200);
      expect(await chained.json()).toMatchObject({ message: 'second' });
      // The chained Slow call reached the server with the chain request's deadline, not the holder's.
      // A deadline travels as a relative grpc-timeout, so the server's copy can only be later than
      // the client's (by the transit time): the lower bound holds however loaded the machine is.
      expect(server.slowDeadlines).toHaveLength(1);
      const [chainedDeadline] = server.slowDeadlines;
      expect(chainedDeadline).toBeGreaterThanOrEqual(chainSentAt + CHAIN_BUDGET_MS);
      expect(chainedDeadline).toBeLessThan(holdSentAt + HOLD_BUDGET_MS);
    } finally {
      holdRequests.complete();
      await holding.catch(() => undefined);
      await chaining?.catch(() => undefined);
    }
  });
});
