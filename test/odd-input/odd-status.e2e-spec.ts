import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { isGrpcServiceError, type GrpcCallOutcome } from '../../lib/index.js';
import { expectCountsAddUp } from '../support/counts-add-up.js';
import type { EchoAsyncService, EchoReply } from '../support/echo-client.js';
import { failure } from '../support/failure.js';
import { settlesWithin } from '../support/hang-guard.js';
import { oddStatusBackend } from '../support/odd-status-backend.js';
import {
  askingFor,
  GRPC_CODE_NAMES,
  MANY_UNKNOWN_CODES,
  ODD_STATUSES,
  oddStatusDetails,
} from '../support/odd-status-calls.js';
import { ODD_STREAM_RESPONSES } from '../support/odd-status-server.js';

/** Bounds each call, which takes milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** The messages a response stream delivered, and the error it ended with. */
async function drain(
  responses: AsyncIterable<EchoReply>,
): Promise<{ messages: number; error: ServiceError }> {
  let messages = 0;
  try {
    for await (const _ of responses) messages++;
  } catch (error: unknown) {
    return { messages, error: error as ServiceError };
  }
  throw new Error(`the stream completed after ${messages} messages instead of failing`);
}

function expectUnknownKeeping(error: ServiceError, grpcStatus: string): void {
  expect(error.code).toBe(status.UNKNOWN);
  expect(error.details).toBe(oddStatusDetails(grpcStatus));
  expect(error.message).toBe(`2 UNKNOWN: ${error.details}`);
}

/**
 * A backend's `grpc-status` outside gRPC's 17 codes is UNKNOWN to the
 * caller, the counts, the retry policy and the HTTP filter alike
 * (gRPC's rule for clients), with the value it sent kept in the details.
 */
describe('a grpc-status outside 0..16 from a raw HTTP/2 backend', () => {
  const backend = oddStatusBackend();

  it.each(ODD_STATUSES)(
    'fails a unary call UNKNOWN, counted once, for grpc-status %s',
    async (odd) => {
      const pool = backend.openPool();
      const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
      const error = await settlesWithin(
        failure(echo.echo({ message: 'x' }, askingFor(odd))),
        HANG_GUARD_MS,
        `the unary call answered ${odd}`,
      );
      expectUnknownKeeping(error, odd);
      // The HTTP filter and callers' guards take it for the gRPC failure it is.
      expect(isGrpcServiceError(error)).toBe(true);
      await expectCountsAddUp(pool);
      const { calls, byMethod } = pool.stats();
      expect(calls).toEqual({ started: 1, ok: 0, failed: 1, byCode: { UNKNOWN: 1 } });
      expect(byMethod['/test.v1.EchoService/Echo'].calls.byCode).toEqual({ UNKNOWN: 1 });
    },
  );

  it('keeps stats() to the 17 code names after every odd status and sixty unknown codes', async () => {
    const pool = backend.openPool();
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const odd = [...ODD_STATUSES, ...MANY_UNKNOWN_CODES];
    for (const grpcStatus of odd) {
      await settlesWithin(
        failure(echo.echo({ message: 'x' }, askingFor(grpcStatus))),
        HANG_GUARD_MS,
        `the call answered ${grpcStatus}`,
      );
    }
    await expectCountsAddUp(pool);
    const { calls, byMethod } = pool.stats();
    expect(calls).toEqual({ started: 64, ok: 0, failed: 64, byCode: { UNKNOWN: 64 } });
    for (const method of Object.values(byMethod)) {
      for (const name of Object.keys(method.calls.byCode)) expect(GRPC_CODE_NAMES).toContain(name);
    }
  });

  it.each(ODD_STATUSES)(
    'fails a server stream UNKNOWN after its messages, for grpc-status %s',
    async (odd) => {
      const pool = backend.openPool();
      const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
      const { messages, error } = await settlesWithin(
        drain(echo.count({ count: 2 }, askingFor(odd))),
        HANG_GUARD_MS,
        `the server stream answered ${odd}`,
      );
      expect(messages).toBe(ODD_STREAM_RESPONSES);
      expectUnknownKeeping(error, odd);
      await expectCountsAddUp(pool);
      expect(pool.stats().calls.byCode).toEqual({ UNKNOWN: 1 });
    },
  );

  it.each(ODD_STATUSES)(
    'fails a client stream and a bidi stream UNKNOWN, for grpc-status %s',
    async (odd) => {
      const pool = backend.openPool();
      const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
      const collected = await settlesWithin(
        failure(echo.collect([{ message: 'a' }, { message: 'b' }], askingFor(odd))),
        HANG_GUARD_MS,
        `the client stream answered ${odd}`,
      );
      expectUnknownKeeping(collected, odd);
      const chat = await settlesWithin(
        drain(echo.chat([{ message: 'a' }], askingFor(odd))),
        HANG_GUARD_MS,
        `the bidi stream answered ${odd}`,
      );
      expect(chat.messages).toBe(ODD_STREAM_RESPONSES);
      expectUnknownKeeping(chat.error, odd);
      await expectCountsAddUp(pool);
      expect(pool.stats().calls.byCode).toEqual({ UNKNOWN: 2 });
    },
  );

  it('delivers trailers and the normalised error to onTrailer callers', async () => {
    const pool = backend.openPool();
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    let trailers: Metadata | undefined;
    const error = await settlesWithin(
      failure(
        echo.echo({ message: 'x' }, askingFor('50000000'), {
          onTrailer: (metadata) => (trailers = metadata),
        }),
      ),
      HANG_GUARD_MS,
      'the unary call with onTrailer',
    );
    expectUnknownKeeping(error, '50000000');
    expect(trailers).toBeInstanceOf(Metadata);
    await expectCountsAddUp(pool);
    expect(pool.stats().calls.byCode).toEqual({ UNKNOWN: 1 });
  });

  it('retries grpc-status 50000000 exactly as UNKNOWN when UNKNOWN is retryable', async () => {
    const attemptsSeen: GrpcCallOutcome[] = [];
    const pool = backend.openPool({
      defaultCallOptions: {
        retry: { maxAttempts: 3, retryableCodes: [status.UNKNOWN], initialBackoffMs: 1 },
      },
      interceptors: [{ afterAttempt: (_call, outcome) => void attemptsSeen.push(outcome) }],
    });
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const answeredBefore = backend.server.answered;
    const error = await settlesWithin(
      failure(echo.echo({ message: 'x' }, askingFor('50000000'), { idempotent: true })),
      HANG_GUARD_MS,
      'the retried call',
    );
    expectUnknownKeeping(error, '50000000');
    expect(backend.server.answered - answeredBefore).toBe(3);
    expect(pool.stats()).toMatchObject({ retries: 2, calls: { started: 1, failed: 1 } });
    // Call interceptors see each attempt's status as the caller does.
    expect(attemptsSeen.map((outcome) => outcome.code)).toEqual([2, 2, 2]);
    expect(attemptsSeen[0].details).toBe(error.details);
  });
});
