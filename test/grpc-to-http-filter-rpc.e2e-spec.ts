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
import { GrpcMethod, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  GrpcPool,
  GrpcPoolModule,
  GrpcToHttpExceptionFilter,
  InjectGrpcPool,
} from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { freePort } from './support/free-port.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './support/protos.js';

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
    })
    class MicroserviceModule {}
    const moduleRef = await Test.createTestingModule({ imports: [MicroserviceModule] }).compile();
    microservice = moduleRef.createNestMicroservice({
      transport: Transport.GRPC,
      options: { url: address, package: ECHO_PACKAGE, protoPath: ECHO_PROTO },
      logger: false,
    });
    microservice.useGlobalFilters(new GrpcToHttpExceptionFilter());
    await microservice.listen();
  });
  afterAll(async () => {
    await microservice.close();
    await backend.close();
  });

  it("passes the backend's status and details on, without the backend's metadata", async () => {
    const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
      test: { v1: GrpcObject };
    };
    const Other = proto.test.v1.OtherService as ServiceClientConstructor;
    const client = new Other(address, credentials.createInsecure());
    const error = await new Promise<ServiceError>((resolve, reject) =>
      client.Ping({ message: 'gone' }, (e: ServiceError | null) =>
        e ? resolve(e) : reject(new Error('expected a failure')),
      ),
    );
    client.close();
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe('failed on purpose: gone');
    // The backend marks its failures with x-failed-by: that trailer stays between the pool and the backend.
    expect(error.metadata.get('x-failed-by')).toEqual([]);
  });
});
