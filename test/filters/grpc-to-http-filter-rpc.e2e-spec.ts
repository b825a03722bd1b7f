import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcToHttpExceptionFilter, InjectGrpcPool } from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import { startEchoMicroservice, type EchoMicroservice } from '../support/echo-microservice.js';

/** A gRPC handler whose pooled call fails: the backend's status goes on to the caller. */
@Controller()
class PingController {
  private readonly echo: EchoService;
  constructor(@InjectGrpcPool('ECHO') pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  @GrpcMethod('OtherService', 'Ping')
  ping(request: { message: string }) {
    return firstValueFrom(this.echo.echo({ message: request.message, failWith: status.NOT_FOUND }));
  }
}

describe('GrpcToHttpExceptionFilter registered globally on a gRPC microservice', () => {
  let service: EchoMicroservice;

  beforeAll(async () => {
    service = await startEchoMicroservice({
      controllers: [PingController],
      configure: (microservice) => microservice.useGlobalFilters(new GrpcToHttpExceptionFilter()),
    });
  });
  afterAll(async () => {
    await service.close();
  });

  it("passes the backend's status and details on, without the backend's metadata", async () => {
    const error = await service.pingFailure('gone');
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe('failed on purpose: gone');
    // The backend marks its failures with x-failed-by: that trailer stays between the pool and the backend.
    expect(error.metadata.get('x-failed-by')).toEqual([]);
  });
});
