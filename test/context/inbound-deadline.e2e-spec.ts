import 'reflect-metadata';
import { status, type Metadata, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { INBOUND_DEADLINE_TOLERANCE_MS } from '../../lib/context/inbound-call-end.js';
import { GrpcPool, GrpcTimeoutInterceptor, InjectGrpcPool } from '../../lib/index.js';
import type { EchoReply, EchoService } from '../support/echo-client.js';
import { startEchoMicroservice, type EchoMicroservice } from '../support/echo-microservice.js';
import { settlesWithin } from '../support/hang-guard.js';
import { startRawUnaryCall } from '../support/raw-grpc-client.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The inbound call's timeout: long enough that even a loaded machine has the handler's calls
 * placed (one on the wire, one queued) well before it runs out.
 */
const INBOUND_TIMEOUT_MS = 1000;
/**
 * A grpc-js client resets the stream (CANCEL) when its own deadline passes. The server started
 * counting only when the request arrived, so that reset reaches it a little before the server's
 * deadline: by the request's transit time. The tests send theirs this much before.
 */
const CLIENT_CANCEL_EARLY_MS = INBOUND_DEADLINE_TOLERANCE_MS / 4;
/** Inbound calls reaching their deadline, one after another: each must end its pooled calls as a deadline. */
const RUNS = 5;
const PING = '/test.v1.OtherService/Ping';
const ECHO = '/test.v1.EchoService/Echo';
/** The backend holds every Slow call: only a deadline can end the pooled calls. */
const NEVER_MS = 60_000;
/** Bounds the waits for what must happen, instead of hanging until Jest's timeout. */
const HANG_GUARD_MS = 15_000;

/** The pool as a handler placed its two calls, and the inbound deadline it served. */
interface Placement {
  inFlight: number;
  queued: number;
  /** Epoch ms, as grpc-js reckons it from the `grpc-timeout` it received. */
  inboundDeadline: number;
}

/** Handlers that call a backend through a one-slot pool, under GrpcTimeoutInterceptor. */
@Controller()
class FanOutController {
  readonly placements: Placement[] = [];
  /** Per inbound Ping, how its two pooled calls ended. */
  readonly outcomes: ServiceError[][] = [];
  /** Per inbound Echo, how the pooled call it made once its inbound call had ended, ended. */
  readonly lateOutcomes: ServiceError[] = [];
  private readonly echo: EchoService;

  constructor(@InjectGrpcPool('ECHO') private readonly pool: GrpcPool) {
    this.echo = pool.getService<EchoService>('EchoService');
  }

  /** Two calls the backend holds: the first takes the one slot, the second waits in the queue. */
  @GrpcMethod('OtherService', 'Ping')
  async ping(
    _request: unknown,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<EchoReply> {
    const running = firstValueFrom(this.echo.slow({ delayMs: NEVER_MS }));
    const queued = firstValueFrom(this.echo.slow({ delayMs: NEVER_MS }));
    const { inFlight, queued: waiting } = this.pool.stats();
    this.placements.push({
      inFlight,
      queued: waiting,
      inboundDeadline: Number(call.getDeadline()),
    });
    const outcomes = await Promise.all([running, queued].map(failureOf));
    this.outcomes.push(outcomes);
    throw asRpcException(outcomes[0]);
  }

  /** Waits out its inbound call (which only its deadline ends), then makes a pooled call. */
  @GrpcMethod('EchoService', 'Echo')
  async echoAfterTheEnd(
    _request: unknown,
    _metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<EchoReply> {
    if (!call.cancelled) await new Promise((resolve) => call.once('cancelled', resolve));
    const outcome = await failureOf(firstValueFrom(this.echo.echo({ message: 'late' })));
    this.lateOutcomes.push(outcome);
    throw asRpcException(outcome);
  }
}

function failureOf(call: Promise<EchoReply>): Promise<ServiceError> {
  return call.then(
    () => Promise.reject(new Error('a pooled call answered: only a deadline was to end it')),
    (error: unknown) => error as ServiceError,
  );
}

/** The inbound call ends with the pooled call's status (if it has not ended already). */
function asRpcException(error: ServiceError): RpcException {
  return new RpcException({ code: error.code, message: error.details });
}

describe("an inbound call's deadline ends its pooled calls as DEADLINE_EXCEEDED, never as a cancel", () => {
  let middle: EchoMicroservice;
  let pool: GrpcPool;
  let controller: FanOutController;
  let releaseHeld: () => void = () => undefined;

  beforeAll(async () => {
    middle = await startEchoMicroservice({
      controllers: [FanOutController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor }],
      client: {
        pool: {
          minChannels: 1,
          maxChannels: 1,
          maxConcurrentCallsPerChannel: 1,
          acquireTimeoutMs: NEVER_MS,
        },
      },
    });
    pool = middle.microservice.get<GrpcPool>('ECHO');
    controller = middle.microservice.get(FanOutController);
    // A READY channel first: the handler's first call then takes the slot at once.
    await firstValueFrom(pool.getService<EchoService>('EchoService').echo({ message: 'warm' }));
    releaseHeld = middle.backend.holdSlowCalls();
  });
  afterAll(async () => {
    releaseHeld();
    await middle?.close();
  });

  it(`a client's cancel at its deadline: the running and the queued call fail DEADLINE_EXCEEDED (${RUNS} runs)`, async () => {
    const before = pool.stats();
    for (let run = 0; run < RUNS; run++) {
      const inbound = startRawUnaryCall(middle.address, PING, INBOUND_TIMEOUT_MS);
      await waitFor(
        () => controller.placements.length === run + 1,
        HANG_GUARD_MS,
        `the handler of inbound call ${run} to place its calls`,
      );
      // The cancel comes before the pooled calls' own (inherited) deadlines can end them, so it
      // is what ends them, every run. Were it late, those deadlines would: DEADLINE_EXCEEDED too.
      const { inboundDeadline } = controller.placements[run];
      const cancelAt = inboundDeadline - CLIENT_CANCEL_EARLY_MS;
      const cancel = setTimeout(() => inbound.cancel(), cancelAt - Date.now());
      try {
        await settlesWithin(inbound.ended, HANG_GUARD_MS, `inbound call ${run}`);
      } finally {
        clearTimeout(cancel);
      }
      await waitFor(
        () => controller.outcomes.length === run + 1,
        HANG_GUARD_MS,
        `the pooled calls of inbound call ${run} to end`,
      );
    }
    const after = pool.stats();

    for (const placement of controller.placements) {
      // One call held the only slot (on the wire to the backend), the other waited for it.
      expect(placement).toMatchObject({ inFlight: 1, queued: 1 });
    }
    for (const outcomes of controller.outcomes) {
      expect(outcomes.map((outcome) => status[outcome.code])).toEqual([
        'DEADLINE_EXCEEDED',
        'DEADLINE_EXCEEDED',
      ]);
    }
    expect(after.deadlineExceeded - before.deadlineExceeded).toBe(2 * RUNS);
    expect(after.calls.failed - before.calls.failed).toBe(2 * RUNS);
    expect(after.calls.byCode.CANCELLED).toBeUndefined();
    expect(after).toMatchObject({ inFlight: 0, queued: 0 });
    expect(after.calls.started).toBe(after.calls.ok + after.calls.failed);
  });

  it("grpc-js's own deadline ended the inbound call: a pooled call made after it fails DEADLINE_EXCEEDED, unsent", async () => {
    const before = pool.stats();
    const backendCalls = middle.backend.calls;
    // This client never cancels: only the server's deadline timer can end the inbound call.
    const inbound = startRawUnaryCall(middle.address, ECHO, INBOUND_TIMEOUT_MS);
    const { grpcStatus } = await settlesWithin(inbound.ended, HANG_GUARD_MS, 'the inbound call');
    expect(grpcStatus).toBe(String(status.DEADLINE_EXCEEDED));
    await waitFor(
      () => controller.lateOutcomes.length === 1,
      HANG_GUARD_MS,
      'the late pooled call to end',
    );
    const after = pool.stats();

    expect(status[controller.lateOutcomes[0].code]).toBe('DEADLINE_EXCEEDED');
    expect(controller.lateOutcomes[0].details).toContain('before it was sent');
    expect(middle.backend.calls).toBe(backendCalls);
    expect(after.deadlineExceeded - before.deadlineExceeded).toBe(1);
    expect(after.calls.byCode.CANCELLED).toBeUndefined();
    expect(after.calls.started).toBe(after.calls.ok + after.calls.failed);
  });
});
