import 'reflect-metadata';
import { InterceptingCall, status, type Interceptor } from '@grpc/grpc-js';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import {
  GrpcPool,
  GrpcPoolCallError,
  GrpcPoolModule,
  type GrpcCallContext,
  type GrpcCallInterceptor,
  type GrpcCallOutcome,
} from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** An app service the interceptor depends on, as a real token source would be. */
@Injectable()
class TokenService {
  async token(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return 'Bearer from-di';
  }
}

@Injectable()
class AuthInterceptor implements GrpcCallInterceptor {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}
  async beforeAttempt(call: GrpcCallContext): Promise<void> {
    call.metadata.set('authorization', await this.tokens.token());
  }
}

/** Lets every pending promise continuation run: a late hook's `then` runs before this resolves. */
const continuationsRun = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Recorder implements GrpcCallInterceptor {
  readonly seen: { method: string; attempt: number; code: number; durationMs: number }[] = [];
  afterAttempt(call: GrpcCallContext, outcome: GrpcCallOutcome): void {
    this.seen.push({
      method: call.method,
      attempt: call.attempt,
      code: outcome.code,
      durationMs: outcome.durationMs,
    });
  }
}

describe('call interceptors', () => {
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });
  afterAll(async () => server.close());

  it('resolves an interceptor class from the container; the metadata it adds reaches the server', async () => {
    @Module({
      imports: [
        GrpcPoolModule.register({
          clients: [
            {
              name: 'ECHO',
              package: ECHO_PACKAGE,
              protoPath: ECHO_PROTO,
              url: server.address,
              interceptors: [AuthInterceptor],
            },
          ],
        }),
      ],
      providers: [TokenService, AuthInterceptor],
    })
    class AppModule {}
    const app = await (await Test.createTestingModule({ imports: [AppModule] }).compile()).init();
    const echo = app.get<GrpcPool>('ECHO').getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'di' }))).token).toBe('Bearer from-di');
    await app.close();
  });

  it('observes every attempt, retries included, with its status and timing', async () => {
    const recorder = new Recorder();
    pool = createEchoPool(server.address, {
      interceptors: [recorder],
      defaultCallOptions: { retry: { initialBackoffMs: 5, maxBackoffMs: 10 } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(
      echo.echo(
        { message: 'r', failWith: status.UNAVAILABLE, failTimes: 1, key: 'obs' },
        undefined,
        { idempotent: true },
      ),
    );
    expect(recorder.seen.map(({ attempt, code }) => ({ attempt, code }))).toEqual([
      { attempt: 1, code: status.UNAVAILABLE },
      { attempt: 2, code: status.OK },
    ]);
    expect(recorder.seen[0].method).toBe('/test.v1.EchoService/Echo');
    expect(recorder.seen.every((s) => s.durationMs >= 0)).toBe(true);
  });

  it('fails the call without sending it when beforeAttempt throws, keeping a gRPC code', async () => {
    const deny: GrpcCallInterceptor = {
      beforeAttempt: () => {
        throw new GrpcPoolCallError(status.PERMISSION_DENIED, 'no token for this call');
      },
    };
    pool = createEchoPool(server.address, { interceptors: [deny] });
    const callsBefore = server.calls;
    const error = await failure(
      firstValueFrom(pool.getService<EchoService>('EchoService').echo({ message: 'x' })),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toBe('no token for this call');
    expect(server.calls).toBe(callsBefore);
    expect(pool.stats().inFlight).toBe(0);
  });

  it("bounds an async beforeAttempt that never settles by the call's deadline, and frees the slot on unsubscribe", async () => {
    let resolveHung: () => void = () => undefined;
    const hung: GrpcCallInterceptor = {
      beforeAttempt: () => new Promise<void>((resolve) => (resolveHung = resolve)),
    };
    // A native grpc-js interceptor runs as grpc-js creates the call, in the same tick the pool
    // sends it: it sees a send the moment it happens, before anything reaches the wire.
    let sent = 0;
    const countSends: Interceptor = (options, nextCall) => {
      sent++;
      return new InterceptingCall(nextCall(options));
    };
    pool = createEchoPool(server.address, {
      interceptors: [hung],
      channelOptions: { interceptors: [countSends] },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const callsBefore = server.calls;
    // The hook never settles, so only the deadline can end the call (the test's own timeout
    // is the hang guard); its length does not matter.
    const error = await failure(
      firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: 200 })),
    );
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain('while call interceptors prepared attempt 1');
    expect(pool.stats().inFlight).toBe(0);
    // The hook settling late sends nothing.
    resolveHung();
    await continuationsRun();
    expect(sent).toBe(0);

    // Without a deadline, the caller giving up frees the slot at once.
    const subscription = echo.echo({ message: 'y' }).subscribe();
    expect(pool.stats().inFlight).toBe(1);
    subscription.unsubscribe();
    expect(pool.stats().inFlight).toBe(0);
    resolveHung();
    await continuationsRun();
    expect(sent).toBe(0);
    expect(server.calls).toBe(callsBefore);
  });

  it('takes interceptors per call, after the client ones, next to native grpc-js interceptors', async () => {
    const order: string[] = [];
    pool = createEchoPool(server.address, {
      interceptors: [{ beforeAttempt: () => void order.push('client') }],
    });
    const perCall: GrpcCallInterceptor = {
      beforeAttempt: (call) => {
        order.push('call');
        call.metadata.set('authorization', 'Bearer per-call');
      },
    };
    const native: Interceptor = (options, nextCall) => {
      order.push('native');
      return new InterceptingCall(nextCall(options));
    };
    const reply = await firstValueFrom(
      pool
        .getService<EchoService>('EchoService')
        .echo({ message: 'p' }, undefined, { interceptors: [perCall, native] }),
    );
    expect(order).toEqual(['client', 'call', 'native']);
    expect(reply.token).toBe('Bearer per-call');
  });

  it('rejects an interceptor class given to a pool built by hand, and a hook that is not a function', () => {
    expect(() => createEchoPool(server.address, { interceptors: [AuthInterceptor] })).toThrow(
      'Invalid options for gRPC pool "ECHO": interceptors[0] is a class: register the pool through GrpcPoolModule',
    );
    expect(() =>
      createEchoPool(server.address, { interceptors: [{ beforeAttempt: 1 } as never] }),
    ).toThrow('interceptors[0].beforeAttempt must be a function');
  });
});
