import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcTimeout, GrpcTimeoutInterceptor, InjectGrpcPool } from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import { startEchoMicroservice, type EchoMicroservice } from './support/echo-microservice.js';
import { waitFor } from './support/wait-for.js';

/** A Nest gRPC microservice whose handler calls a slow backend through the pool. */
@Controller()
class PingController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @GrpcMethod('OtherService', 'Ping')
  @GrpcTimeout(300)
  ping() {
    return firstValueFrom(this.echo.slow({ delayMs: 2000 }));
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
    const cancelledBefore = backend.cancelled;
    const started = Date.now();
    const error = await service.pingFailure('x');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain('300 ms budget');
    await waitFor(() => backend.cancelled > cancelledBefore, 2000, 'the backend to see the cancel');
  });
});
