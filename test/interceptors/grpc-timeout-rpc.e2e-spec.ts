import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcTimeout, GrpcTimeoutInterceptor, InjectGrpcPool } from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import { startEchoMicroservice, type EchoMicroservice } from '../support/echo-microservice.js';
import { waitFor } from '../support/wait-for.js';

/** Seconds, so that load cannot run the budget out before the backend has seen the call. */
const BUDGET_MS = 2000;
/** The backend never answers within the test: only the budget ends the call. */
const NEVER_MS = 60_000;
/** Bounds the waits for what must happen, instead of hanging until Jest's timeout. */
const HANG_GUARD_MS = 15_000;

/** A Nest gRPC microservice whose handler calls a slow backend through the pool. */
@Controller()
class PingController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @GrpcMethod('OtherService', 'Ping')
  @GrpcTimeout(BUDGET_MS)
  ping() {
    return firstValueFrom(this.echo.slow({ delayMs: NEVER_MS }));
  }
}

describe('GrpcTimeoutInterceptor in an RPC (gRPC microservice) context', () => {
  let service: EchoMicroservice;

  beforeAll(async () => {
    service = await startEchoMicroservice({
      controllers: [PingController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor }],
    });
  });
  afterAll(async () => {
    await service.close();
  });

  it('fails the RPC with DEADLINE_EXCEEDED when the budget runs out, and cancels the pooled call', async () => {
    const { backend } = service;
    const cancelledBefore = backend.slowCancelled;
    const before = backend.slowTimeoutsMs.length;
    const error = await service.pingFailure('x');
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain(`${BUDGET_MS} ms budget`);
    // The pooled call went out with the budget as its deadline (never more: time only passes).
    expect(backend.slowTimeoutsMs.slice(before)).toHaveLength(1);
    expect(backend.slowTimeoutsMs[before]).toBeLessThanOrEqual(BUDGET_MS);
    await waitFor(
      () => backend.slowCancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the backend to see the cancel',
    );
  });
});
