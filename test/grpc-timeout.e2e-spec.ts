import 'reflect-metadata';
import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcTimeout, GrpcTimeoutInterceptor, InjectGrpcPool } from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import type { EchoServer } from './support/echo-server.js';
import { startEchoHttpApp, type EchoHttpApp } from './support/echo-http-app.js';
import { waitFor } from './support/wait-for.js';

@Controller()
class BudgetedController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @Get('slow')
  @GrpcTimeout(300)
  slow() {
    return firstValueFrom(this.echo.slow({ delayMs: 2000, message: 'too late' }));
  }

  @Get('two-steps')
  @GrpcTimeout(400)
  async twoSteps() {
    await firstValueFrom(this.echo.slow({ delayMs: 100 }));
    // The second call inherits what is left of the 400 ms, across the await.
    return firstValueFrom(this.echo.slow({ delayMs: 2000 }));
  }

  @Get('in-time')
  @GrpcTimeout(1000)
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
@GrpcTimeout(200)
class ScopedController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @Get('slow')
  slow() {
    return firstValueFrom(this.echo.slow({ delayMs: 2000 }));
  }
}

describe('GrpcTimeoutInterceptor per controller (@UseInterceptors)', () => {
  it('applies the class-level budget', async () => {
    const { base, close } = await startEchoHttpApp({ controllers: [ScopedController] });
    try {
      const started = Date.now();
      const response = await fetch(`${base}/scoped/slow`);
      expect(response.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(1000);
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

  it('answers 504 within the budget over a 2 s backend; the server saw the deadline and the cancel', async () => {
    const cancelledBefore = server.cancelled;
    const deadlinesBefore = server.slowDeadlines.length;
    const started = Date.now();
    const response = await fetch(`${base}/slow`);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(elapsed).toBeLessThan(1000);
    const deadline = server.slowDeadlines[deadlinesBefore];
    expect(deadline).toBeLessThanOrEqual(started + 300 + 50);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      2000,
      'the server to see the cancel',
    );
  });

  it('carries the remaining budget across awaits to the next call', async () => {
    const deadlinesBefore = server.slowDeadlines.length;
    const started = Date.now();
    const response = await fetch(`${base}/two-steps`);
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1000);
    const [first, second] = server.slowDeadlines.slice(deadlinesBefore);
    // Both calls carry the request's deadline. It travels as a relative grpc-timeout, so the server's
    // reading moves with each call's transit (up to 8 ms seen with two test workers on two cores); a
    // budget started afresh would be the first call's 100 ms later.
    expect(Math.abs(second - first)).toBeLessThanOrEqual(25);
    expect(second).toBeLessThanOrEqual(started + 400 + 50);
  });

  it('lets a handler that answers in time answer, and leaves undecorated handlers alone', async () => {
    const inTime = await fetch(`${base}/in-time`);
    expect(inTime.status).toBe(200);
    expect(((await inTime.json()) as { message: string }).message).toBe('in time');
    const deadlinesBefore = server.slowDeadlines.length;
    const untouched = await fetch(`${base}/no-budget`);
    expect(untouched.status).toBe(200);
    expect(server.slowDeadlines[deadlinesBefore]).toBe(Infinity);
  });

  it('rejects a bad @GrpcTimeout value when the class is declared', () => {
    expect(() => GrpcTimeout(0)).toThrow('@GrpcTimeout(ms): ms must be an integer >= 1 (got 0)');
  });
});
