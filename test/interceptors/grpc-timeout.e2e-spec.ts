import 'reflect-metadata';
import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcTimeout, GrpcTimeoutInterceptor, InjectGrpcPool } from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import type { EchoServer } from '../support/echo-server.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Budgets are seconds, not tens of ms: a loaded machine can take hundreds of ms to carry a call
 * to the backend, and a budget must not run out before the backend has seen (and recorded) it.
 */
const BUDGET_MS = 2000;
const TWO_STEP_BUDGET_MS = 3000;
/** The first step of /two-steps: its backend answers after this long, so it takes at least this. */
const FIRST_STEP_MS = 200;
/** A backend that answers after this never answers within a test: only the budget ends it. */
const NEVER_MS = 60_000;
/** Fails a request that no budget ended, instead of hanging until Jest's timeout. */
const HANG_GUARD_MS = 15_000;
/**
 * Timers may fire a millisecond early against Date.now() (libuv's clock is whole ms), and the
 * deadline travels as a whole-ms grpc-timeout: the one slack a "time left" bound needs.
 */
const CLOCK_SLACK_MS = 2;

@Controller()
class BudgetedController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @Get('slow')
  @GrpcTimeout(BUDGET_MS)
  slow() {
    return firstValueFrom(this.echo.slow({ delayMs: NEVER_MS, message: 'too late' }));
  }

  @Get('two-steps')
  @GrpcTimeout(TWO_STEP_BUDGET_MS)
  async twoSteps() {
    await firstValueFrom(this.echo.slow({ delayMs: FIRST_STEP_MS }));
    // The second call inherits what is left of the budget, across the await.
    return firstValueFrom(this.echo.slow({ delayMs: NEVER_MS }));
  }

  /** A budget no load can exhaust before a 20 ms backend answers. */
  @Get('in-time')
  @GrpcTimeout(HANG_GUARD_MS)
  inTime() {
    return firstValueFrom(this.echo.slow({ delayMs: 20, message: 'in time' }));
  }

  @Get('no-budget')
  noBudget() {
    return firstValueFrom(this.echo.slow({ delayMs: 20, message: 'untouched' }));
  }
}

/** Per controller: the interceptor by @UseInterceptors, the budget on the class. */
@Controller('scoped')
@UseInterceptors(GrpcTimeoutInterceptor)
@GrpcTimeout(BUDGET_MS)
class ScopedController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @Get('slow')
  slow() {
    return firstValueFrom(this.echo.slow({ delayMs: NEVER_MS }));
  }
}

const get = (url: string): Promise<Response> =>
  fetch(url, { signal: AbortSignal.timeout(HANG_GUARD_MS) });

describe('GrpcTimeoutInterceptor per controller (@UseInterceptors)', () => {
  it('applies the class-level budget: 504, the backend got it as its deadline and saw the cancel', async () => {
    const { server, base, close } = await startEchoHttpApp({ controllers: [ScopedController] });
    try {
      const response = await get(`${base}/scoped/slow`);
      expect(response.status).toBe(504);
      expect(server.slowTimeoutsMs).toHaveLength(1);
      expect(server.slowTimeoutsMs[0]).toBeLessThanOrEqual(BUDGET_MS);
      await waitFor(
        () => server.slowCancelled === 1,
        HANG_GUARD_MS,
        'the server to see the cancel',
      );
    } finally {
      await close();
    }
  });
});

describe('GrpcTimeoutInterceptor and @GrpcTimeout in an express app', () => {
  let echoApp: EchoHttpApp;
  let server: EchoServer;
  let base: string;

  beforeAll(async () => {
    echoApp = await startEchoHttpApp({
      controllers: [BudgetedController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor }],
    });
    ({ server, base } = echoApp);
  });
  afterAll(async () => echoApp.close());

  it('answers 504 when the budget runs out over a backend that never answers; the server saw the deadline and the cancel', async () => {
    const cancelledBefore = server.slowCancelled;
    const before = server.slowTimeoutsMs.length;
    const response = await get(`${base}/slow`);
    expect(response.status).toBe(504);
    // One call, sent with the budget as its deadline (never more: time only passes).
    expect(server.slowTimeoutsMs.slice(before)).toHaveLength(1);
    expect(server.slowTimeoutsMs[before]).toBeLessThanOrEqual(BUDGET_MS);
    await waitFor(
      () => server.slowCancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the cancel',
    );
  });

  it('carries the remaining budget across awaits to the next call', async () => {
    const cancelledBefore = server.slowCancelled;
    const before = server.slowTimeoutsMs.length;
    const response = await get(`${base}/two-steps`);
    expect(response.status).toBe(504);
    const received = server.slowTimeoutsMs.slice(before);
    expect(received).toHaveLength(2);
    const [first, second] = received;
    expect(first).toBeLessThanOrEqual(TWO_STEP_BUDGET_MS);
    // The second call got what the first had, less the first step (which took at least
    // FIRST_STEP_MS); a budget started afresh would give it the whole budget again.
    // Load only delays the second call, so it only shrinks what it gets.
    expect(second).toBeLessThanOrEqual(first - FIRST_STEP_MS + CLOCK_SLACK_MS);
    // The first step answered; the second was cancelled when the budget ran out.
    await waitFor(
      () => server.slowCancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the second call cancelled',
    );
  });

  it('lets a handler that answers in time answer, and leaves undecorated handlers alone', async () => {
    const before = server.slowTimeoutsMs.length;
    const inTime = await get(`${base}/in-time`);
    expect(inTime.status).toBe(200);
    expect(((await inTime.json()) as { message: string }).message).toBe('in time');
    // The budget still went out as the call's deadline.
    expect(server.slowTimeoutsMs[before]).toBeLessThanOrEqual(HANG_GUARD_MS);
    const untouched = await get(`${base}/no-budget`);
    expect(untouched.status).toBe(200);
    expect(server.slowTimeoutsMs[before + 1]).toBe(Infinity);
  });

  it('rejects a bad @GrpcTimeout value when the class is declared', () => {
    expect(() => GrpcTimeout(0)).toThrow('@GrpcTimeout(ms): ms must be an integer >= 1 (got 0)');
  });
});
