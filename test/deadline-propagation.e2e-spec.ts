import {
  Metadata,
  credentials,
  loadPackageDefinition,
  status,
  type ClientReadableStream,
  type ClientUnaryCall,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';
import { firstValueFrom, type Observable } from 'rxjs';
import { GrpcPool, GrpcTimeout, GrpcTimeoutInterceptor, InjectGrpcPool } from '../lib/index.js';
import type { EchoAsyncService, EchoReply, EchoService } from './support/echo-client.js';
import { startEchoMicroservice, type EchoMicroservice } from './support/echo-microservice.js';
import { ECHO_PROTO } from './support/protos.js';
import { waitFor } from './support/wait-for.js';

/**
 * The middle of a chain: a Nest gRPC service whose handlers call the
 * backend through the pool, none of them passing a deadline or a signal.
 */
@Controller()
class MiddleController {
  constructor(@InjectGrpcPool('ECHO') private readonly pool: GrpcPool) {}

  /** 'async' awaits the async facade; 'observable' returns getService()'s Observable. */
  @GrpcMethod('OtherService', 'Ping')
  ping({ message }: { message: string }): Promise<EchoReply> | Observable<EchoReply> {
    const request = { delayMs: 5000, message };
    if (message.startsWith('observable')) {
      return this.pool.getService<EchoService>('EchoService').slow(request);
    }
    return this.pool.getAsyncService<EchoAsyncService>('EchoService').slow(request);
  }

  /** A server-streaming handler, with its own budget: the earlier of it and the caller's wins. */
  @GrpcMethod('EchoService', 'Count')
  @GrpcTimeout(150)
  count({ count }: { count: number }): Promise<EchoReply> {
    return firstValueFrom(
      this.pool
        .getService<EchoService>('EchoService')
        .slow({ delayMs: 5000, message: `count-${count}` }),
    );
  }
}

const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};

describe('inbound deadline and cancellation flow through a Nest gRPC service into pooled calls', () => {
  let middle: EchoMicroservice;
  let other: InstanceType<ServiceClientConstructor>;
  let echo: InstanceType<ServiceClientConstructor>;

  beforeAll(async () => {
    middle = await startEchoMicroservice({
      controllers: [MiddleController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor }],
    });
    const Other = proto.test.v1.OtherService as ServiceClientConstructor;
    const Echo = proto.test.v1.EchoService as ServiceClientConstructor;
    other = new Other(middle.address, credentials.createInsecure());
    echo = new Echo(middle.address, credentials.createInsecure());
  });
  afterEach(() => waitFor(() => middle.backend.active === 0, 5000, 'the backend calls to end'));
  afterAll(async () => {
    other.close();
    echo.close();
    await middle.close();
  });

  const ping = (message: string, deadline?: number) => {
    let call!: ClientUnaryCall;
    const outcome = new Promise<ServiceError>((resolve, reject) => {
      const options = deadline === undefined ? {} : { deadline };
      call = other.Ping({ message }, new Metadata(), options, (error: ServiceError | null) =>
        error ? resolve(error) : reject(new Error('expected the call to fail')),
      );
    });
    return { call, outcome };
  };

  it.each(['async', 'observable'])(
    'a 300 ms deadline from the client reaches the backend as 300 ms minus the hops (%s)',
    async (mode) => {
      const before = middle.backend.cancelled;
      const clientDeadline = Date.now() + 300;
      const error = await ping(`${mode}-deadline`, clientDeadline).outcome;
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      const backendDeadline = middle.backend.slowDeadlines.at(-1)!;
      // Not later than the client's, but for rounding and transit: each hop sends the time left
      // as a timeout rounded up, which the next one adds to its own clock on arrival, so the
      // time a message spends between hops (tens of ms on a loaded machine) counts twice.
      // And not much earlier.
      expect(backendDeadline).toBeLessThanOrEqual(clientDeadline + 50);
      expect(backendDeadline).toBeGreaterThan(clientDeadline - 150);
      // The backend's call ended with the deadline instead of running its 5 s.
      await waitFor(() => middle.backend.cancelled > before, 3000, 'the backend to see the end');
    },
  );

  it.each(['async', 'observable'])(
    "the client's cancel reaches the backend, which had no deadline (%s)",
    async (mode) => {
      const before = middle.backend.cancelled;
      const started = middle.backend.calls;
      const { call, outcome } = ping(`${mode}-cancel`);
      await waitFor(() => middle.backend.calls > started, 3000, 'the backend call to start');
      expect(middle.backend.slowDeadlines.at(-1)).toBe(Infinity);
      call.cancel();
      expect((await outcome).code).toBe(status.CANCELLED);
      await waitFor(() => middle.backend.cancelled > before, 3000, 'the backend to see the cancel');
    },
  );

  it('a server-streaming handler: the earlier of its @GrpcTimeout and the caller deadline wins', async () => {
    const clientDeadline = Date.now() + 2000;
    const stream: ClientReadableStream<EchoReply> = echo.Count({ count: 1 }, new Metadata(), {
      deadline: clientDeadline,
    });
    const error = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    const backendDeadline = middle.backend.slowDeadlines.at(-1)!;
    // The handler's 150 ms, not the caller's 2 s.
    expect(backendDeadline).toBeLessThan(clientDeadline - 1000);
  });
});
