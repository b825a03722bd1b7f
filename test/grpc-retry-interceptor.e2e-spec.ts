import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { Controller, Get, Param } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  GrpcPool,
  GrpcRetry,
  GrpcRetryInterceptor,
  GrpcTimeout,
  GrpcTimeoutInterceptor,
  GrpcToHttpExceptionFilter,
  InjectGrpcPool,
} from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import type { EchoServer } from './support/echo-server.js';
import { startEchoHttpApp, type EchoHttpApp } from './support/echo-http-app.js';

@Controller()
class RetriedController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  /** Fails twice with UNAVAILABLE, then answers: the interceptor re-runs the handler. */
  @Get('flaky/:key')
  @GrpcRetry({ maxAttempts: 4, initialBackoffMs: 5, maxBackoffMs: 20 })
  flaky(@Param('key') key: string) {
    return firstValueFrom(
      this.echo.echo({ message: 'ok', failWith: status.UNAVAILABLE, failTimes: 2, key }),
    );
  }

  @Get('broken/:key')
  @GrpcRetry({ initialBackoffMs: 5 })
  broken(@Param('key') key: string) {
    return firstValueFrom(this.echo.echo({ failWith: status.INTERNAL, failTimes: 5, key }));
  }

  /** Always UNAVAILABLE: the retries must stop within the 150 ms budget. */
  @Get('budgeted/:key')
  @GrpcTimeout(150)
  @GrpcRetry({ maxAttempts: 100, initialBackoffMs: 30, maxBackoffMs: 30, backoffMultiplier: 1 })
  budgeted(@Param('key') key: string) {
    return firstValueFrom(this.echo.echo({ failWith: status.UNAVAILABLE, key }));
  }

  @Get('undecorated/:key')
  undecorated(@Param('key') key: string) {
    return firstValueFrom(this.echo.echo({ failWith: status.UNAVAILABLE, failTimes: 1, key }));
  }
}

describe('GrpcRetryInterceptor and @GrpcRetry in an express app', () => {
  let echoApp: EchoHttpApp;
  let server: EchoServer;
  let base: string;

  beforeAll(async () => {
    echoApp = await startEchoHttpApp({
      controllers: [RetriedController],
      client: { defaultCallOptions: { retry: false } },
      providers: [
        // Timeout first, so its budget covers every re-run.
        { provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor },
        { provide: APP_INTERCEPTOR, useClass: GrpcRetryInterceptor },
        { provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter },
      ],
    });
    ({ server, base } = echoApp);
  });
  afterAll(async () => echoApp.close());

  it('re-runs a decorated handler on a retryable status until it succeeds', async () => {
    const response = await fetch(`${base}/flaky/f1`);
    expect(response.status).toBe(200);
    expect(server.attempts.get('f1')).toBe(3);
  });

  it('does not re-run on a status outside retryableCodes', async () => {
    const response = await fetch(`${base}/broken/b1`);
    expect(response.status).toBe(500);
    expect(server.attempts.get('b1')).toBe(1);
  });

  it('stops re-running within the @GrpcTimeout budget', async () => {
    const started = Date.now();
    const response = await fetch(`${base}/budgeted/t1`);
    const elapsed = Date.now() - started;
    // The budget ends it: 504 if its timer wins, else the last UNAVAILABLE (503) once no backoff fits.
    expect([503, 504]).toContain(response.status);
    expect(elapsed).toBeLessThan(500);
    // An attempt sent just before the budget ran out may reach the server just after the
    // answer: let it land, then count.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const attempts = server.attempts.get('t1')!;
    expect(attempts).toBeGreaterThan(1);
    // Nothing keeps re-running the handler after the answer.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.attempts.get('t1')).toBe(attempts);
  });

  it('leaves undecorated handlers alone', async () => {
    const response = await fetch(`${base}/undecorated/u1`);
    expect(response.status).toBe(503);
    expect(server.attempts.get('u1')).toBe(1);
  });

  it('rejects bad @GrpcRetry options when the class is declared', () => {
    expect(() => GrpcRetry({ maxAttempts: 0 })).toThrow(
      '@GrpcRetry(options).maxAttempts must be an integer >= 1 (got 0)',
    );
  });
});
