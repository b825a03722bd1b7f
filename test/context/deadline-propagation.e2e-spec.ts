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
import { GrpcPool, GrpcTimeout, GrpcTimeoutInterceptor, InjectGrpcPool } from '../../lib/index.js';
import type { EchoAsyncService, EchoReply, EchoService } from '../support/echo-client.js';
import { startEchoMicroservice, type EchoMicroservice } from '../support/echo-microservice.js';
import { ECHO_PROTO } from '../support/protos.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Deadlines are seconds, not tens of ms: a loaded machine can take hundreds of ms per hop, and a
 * deadline must not run out before the backend has seen (and recorded) the call.
 */
const CLIENT_TIMEOUT_MS = 2000;
/** The streaming handler's own budget, far earlier than its caller's deadline. */
const HANDLER_BUDGET_MS = 2000;
const CALLER_TIMEOUT_MS = 60_000;
/** The backend never answers within the test: only a deadline or a cancel ends its call. */
const NEVER_MS = 60_000;
/** Bounds the waits for what must happen, instead of hanging until Jest's timeout. */
const HANG_GUARD_MS = 15_000;

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
    const request = { delayMs: NEVER_MS, message };
    if (message.startsWith('observable')) {
      return this.pool.getService<EchoService>('EchoService').slow(request);
    }
    return this.pool.getAsyncService<EchoAsyncService>('EchoService').slow(request);
  }

  /** A server-streaming handler, with its own budget: the earlier of it and the caller's wins. */
  @GrpcMethod('EchoService', 'Count')
  @GrpcTimeout(HANDLER_BUDGET_MS)
  count({ count }: { count: number }): Promise<EchoReply> {
    return firstValueFrom(
      this.pool
        .getService<EchoService>('EchoService')
        .slow({ delayMs: NEVER_MS, message: `count-${count}` }),
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
  afterEach(() =>
    waitFor(() => middle.backend.active === 0, HANG_GUARD_MS, 'the backend calls to end'),
  );
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
    "the client's deadline reaches the backend as a timeout no longer than the client's (%s)",
    async (mode) => {
      const before = middle.backend.slowCancelled;
      const received = middle.backend.slowTimeoutsMs.length;
      const error = await ping(`${mode}-deadline`, Date.now() + CLIENT_TIMEOUT_MS).outcome;
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      // The middle sets no deadline of its own: a finite one can only be the client's. Each hop
      // sends what is left, so the hops (however slow) only take from it, never add to it.
      expect(middle.backend.slowTimeoutsMs.slice(received)).toHaveLength(1);
      const backendTimeout = middle.backend.slowTimeoutsMs[received];
      expect(Number.isFinite(backendTimeout)).toBe(true);
      expect(backendTimeout).toBeLessThanOrEqual(CLIENT_TIMEOUT_MS);
      // The backend's call ended with the deadline instead of running on.
      await waitFor(
        () => middle.backend.slowCancelled === before + 1,
        HANG_GUARD_MS,
        'the backend to see the end',
      );
    },
  );

  it.each(['async', 'observable'])(
    "the client's cancel reaches the backend, which had no deadline (%s)",
    async (mode) => {
      const before = middle.backend.slowCancelled;
      const started = middle.backend.calls;
      const { call, outcome } = ping(`${mode}-cancel`);
      await waitFor(
        () => middle.backend.calls > started,
        HANG_GUARD_MS,
        'the backend call to start',
      );
      expect(middle.backend.slowDeadlines.at(-1)).toBe(Infinity);
      call.cancel();
      expect((await outcome).code).toBe(status.CANCELLED);
      await waitFor(
        () => middle.backend.slowCancelled === before + 1,
        HANG_GUARD_MS,
        'the backend to see the cancel',
      );
    },
  );

  it('a server-streaming handler: the earlier of its @GrpcTimeout and the caller deadline wins', async () => {
    const before = middle.backend.slowCancelled;
    const received = middle.backend.slowTimeoutsMs.length;
    const stream: ClientReadableStream<EchoReply> = echo.Count({ count: 1 }, new Metadata(), {
      deadline: Date.now() + CALLER_TIMEOUT_MS,
    });
    const error = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain(`${HANDLER_BUDGET_MS} ms budget`);
    // The handler's budget, not the caller's minute.
    expect(middle.backend.slowTimeoutsMs.slice(received)).toHaveLength(1);
    expect(middle.backend.slowTimeoutsMs[received]).toBeLessThanOrEqual(HANDLER_BUDGET_MS);
    await waitFor(
      () => middle.backend.slowCancelled === before + 1,
      HANG_GUARD_MS,
      'the backend to see the cancel',
    );
  });
});
