import 'reflect-metadata';
import {
  credentials,
  loadPackageDefinition,
  status,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { GrpcMethod, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  GrpcPool,
  GrpcPoolModule,
  GrpcTimeout,
  GrpcTimeoutInterceptor,
  InjectGrpcPool,
} from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { freePort } from './support/free-port.js';
import { waitFor } from './support/wait-for.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './support/protos.js';

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
  let backend: EchoServer;
  let microservice: INestMicroservice;
  let address: string;

  beforeAll(async () => {
    backend = await startEchoServer();
    address = `127.0.0.1:${await freePort()}`;
    @Module({
      imports: [
        GrpcPoolModule.register({
          clients: [
            { name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: backend.address },
          ],
        }),
      ],
      controllers: [PingController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor }],
    })
    class MicroserviceModule {}
    const moduleRef = await Test.createTestingModule({ imports: [MicroserviceModule] }).compile();
    microservice = moduleRef.createNestMicroservice({
      transport: Transport.GRPC,
      options: { url: address, package: ECHO_PACKAGE, protoPath: ECHO_PROTO },
      logger: false,
    });
    await microservice.listen();
  });
  afterAll(async () => {
    await microservice.close();
    await backend.close();
  });

  it('fails the RPC with DEADLINE_EXCEEDED when the budget runs out, and cancels the pooled call', async () => {
    const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
      test: { v1: GrpcObject };
    };
    const Other = proto.test.v1.OtherService as ServiceClientConstructor;
    const client = new Other(address, credentials.createInsecure());
    const cancelledBefore = backend.cancelled;
    const started = Date.now();
    const error = await new Promise<ServiceError>((resolve, reject) =>
      client.Ping({ message: 'x' }, (e: ServiceError | null) =>
        e ? resolve(e) : reject(new Error('expected a failure')),
      ),
    );
    client.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain('300 ms budget');
    await waitFor(() => backend.cancelled > cancelledBefore, 2000, 'the backend to see the cancel');
  });
});
