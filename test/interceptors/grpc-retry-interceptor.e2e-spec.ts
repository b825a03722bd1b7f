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
} from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import type { EchoServer } from '../support/echo-server.js';
import { startEchoHttpApp, type EchoHttpApp } from '../support/echo-http-app.js';
import { sleep } from '../support/wait-for.js';

/**
 * A budget in seconds: room for more than one attempt however slow the machine, and the only
 * thing that can end a handler allowed 1000 attempts 30 ms apart (30 s).
 */
const BUDGET_MS = 2000;
const BACKOFF_MS = 30;
/**
 * After the answer, how long to watch for a re-run that should not come: ten backoffs, so a
 * runaway loop would show. Load can only hide a re-run, never invent one; the exact stop is
 * pinned with fake timers in lib/interceptors/grpc-retry.interceptor.spec.ts.
 */
const QUIET_MS = 10 * BACKOFF_MS;

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

  /** Always UNAVAILABLE: only the budget can stop the retries. */
  @Get('budgeted/:key')
  @GrpcTimeout(BUDGET_MS)
  @GrpcRetry({
    maxAttempts: 1000,
    initialBackoffMs: BACKOFF_MS,
    maxBackoffMs: BACKOFF_MS,
    backoffMultiplier: 1,
  })
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
    const response = await fetch(`${base}/budgeted/t1`);
    // The budget ends it: 504 if its timer wins, else the last UNAVAILABLE (503) once no backoff fits.
    expect([503, 504]).toContain(response.status);
    const attemptsAtAnswer = server.attempts.get('t1')!;
    // It was re-running (so the budget, not maxAttempts, stopped it).
    expect(attemptsAtAnswer).toBeGreaterThan(1);
    expect(attemptsAtAnswer).toBeLessThan(1000); // maxAttempts: a count, not a time
    // Nothing keeps re-running the handler after the answer. Attempts run one at a time, so
    // at most the one sent just before the budget ran out may still land after the answer.
    await sleep(QUIET_MS);
    expect(server.attempts.get('t1')).toBeLessThanOrEqual(attemptsAtAnswer + 1);
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
