import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { expectCountsAddUp } from '../support/counts-add-up.js';
import { createEchoPool, type EchoAsyncService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { settlesWithin } from '../support/hang-guard.js';
import { startFlowServer, type FlowServer } from '../support/flow-server.js';
import { waitFor } from '../support/wait-for.js';

// What a `for await` over a response stream gets after the call ends while responses are still
// held for it: after an abort of its signal, nothing more (as getService() and a `break`); after
// a failure status, the responses that came before it, then the error (as grpc-js and nice-grpc).

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;
/** Large replies, so the flow-control windows hold only a few of them. */
const MESSAGE_BYTES = 64 * 1024;
/** More than the server can write before the client reads: the stream cannot end by itself. */
const ENDLESS = 1_000_000;
/**
 * Replies written before the consumer aborts. The HTTP/2 windows and the buffers around them hold
 * about 13 of these 64 KB replies; beyond those, only the iterator can hold them (it holds up to
 * 16, grpc-js 16 more: about 45 in all, measured in async-back-pressure), so 30 written with one
 * consumed means replies are held for the consumer, and the server gets this far before it must wait.
 */
const WRITTEN_BEFORE_ABORT = 30;

describe('getAsyncService: an abort stops a for await at once', () => {
  let server: FlowServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startFlowServer({ replyBytes: MESSAGE_BYTES });
    pool = createEchoPool(server.address);
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterAll(() => closeTestPool(pool, server));

  it('runs the loop body no more after the abort, though responses were held, and cancels on the wire', async () => {
    const cancelledBefore = server.cancelled;
    const controller = new AbortController();
    let bodyRuns = 0;
    const error = await failure(
      (async () => {
        for await (const reply of echo.count({ count: ENDLESS }, undefined, {
          signal: controller.signal,
        })) {
          bodyRuns++;
          expect(reply.message).toHaveLength(MESSAGE_BYTES);
          if (bodyRuns > 1) continue;
          await waitFor(
            () => server.written >= WRITTEN_BEFORE_ABORT,
            HANG_GUARD_MS,
            'replies to be held for the consumer',
          );
          controller.abort();
        }
      })(),
    );
    expect(bodyRuns).toBe(1);
    // The AbortError the facade documents: CANCELLED, named as fetch's.
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe(status.CANCELLED);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the cancel',
    );
    await expectCountsAddUp(pool, HANG_GUARD_MS);
    expect(pool.stats().calls.byCode.CANCELLED).toBe(1);
  });
});

// Each test on its own pool, so each reads only its own call's counts.
describe('getAsyncService: how a stream from an echo server ends', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  beforeEach(() => {
    pool = createEchoPool(server.address);
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterEach(() => closeTestPool(pool));
  afterAll(() => server.close());

  describe('a failure status after held responses', () => {
    it('delivers every response that came before the status, then the error', async () => {
      const seen: string[] = [];
      const error = await failure(
        (async () => {
          for await (const reply of echo.count({
            count: 5,
            intervalMs: 0,
            failWith: status.INTERNAL,
          })) {
            seen.push(reply.message);
            // The call ends while the consumer is still on its first response: the rest are held.
            if (seen.length === 1) {
              await waitFor(() => pool.stats().calls.failed === 1, HANG_GUARD_MS, 'the status');
            }
          }
        })(),
      );
      expect(seen).toEqual(['0', '1', '2', '3', '4']);
      expect(error.code).toBe(status.INTERNAL);
      expect(error.details).toBe('failed after 5');
      await expectCountsAddUp(pool, HANG_GUARD_MS);
    });
  });

  describe('an abort from a response-metadata callback', () => {
    it('delivers no response after the AbortError when onHeader aborts the signal', async () => {
      const controller = new AbortController();
      // With a retry policy the headers wait for the first response (a retry could still replace
      // the attempt), so onHeader runs as that response arrives, and aborts before it is delivered.
      const responses = echo.count({ count: 3, intervalMs: 1 }, undefined, {
        signal: controller.signal,
        retry: { maxAttempts: 2 },
        onHeader: () => controller.abort(),
      });
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        seen.push(
          await settlesWithin(
            responses.next().then(
              (result) => (result.done === true ? 'done' : 'response'),
              (error: unknown) => (error as Error).name,
            ),
            HANG_GUARD_MS,
            'the next step of the iteration',
          ),
        );
      }
      expect(seen).toEqual(['AbortError', 'done', 'done']);
      await expectCountsAddUp(pool, HANG_GUARD_MS);
      expect(pool.stats().calls.byCode).toEqual({ CANCELLED: 1 });
    });
  });
});
