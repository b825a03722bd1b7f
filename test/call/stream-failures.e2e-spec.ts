import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { interval, map, of, tap, type Observable } from 'rxjs';
import type { GrpcPool, GrpcPoolCallOptions } from '../../lib/index.js';
import { callOutcome, type CallOutcome } from '../support/call-outcome.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../support/echo-process.js';
import { startFailingEchoServer, type FailingEchoServer } from '../support/failing-echo-server.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

type Kind = 'unary' | 'server stream' | 'client stream' | 'bidi stream';
const KINDS: Kind[] = ['unary', 'server stream', 'client stream', 'bidi stream'];

/** One call of each kind, with the same options. */
function callOf(
  echo: EchoService,
  kind: Kind,
  options: GrpcPoolCallOptions,
): Observable<{ message: string }> {
  switch (kind) {
    case 'unary':
      return echo.echo({ message: 'u' }, undefined, options);
    case 'server stream':
      return echo.count({ count: 3, intervalMs: 0 }, undefined, options);
    case 'client stream':
      return echo.collect(of({ message: 'a' }, { message: 'b' }), undefined, options);
    case 'bidi stream':
      return echo.chat(of({ message: 'a' }), undefined, options);
  }
}

function expectFailedWith(outcome: CallOutcome<unknown>, code: status): void {
  expect(outcome.completed).toBe(false);
  expect(outcome.error?.code).toBe(code);
  expect(outcome.settlements).toBe(1);
}

const fastRetry = { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 10 };
/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

describe('a call completes only on an OK status', () => {
  let pool: GrpcPool | undefined;
  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });

  describe('against a port where nothing listens', () => {
    it.each(KINDS)(
      '%s fails UNAVAILABLE after its retries, never completes empty',
      async (kind) => {
        pool = createEchoPool(`127.0.0.1:${await freePort()}`);
        const echo = pool.getService<EchoService>('EchoService');
        for (const idempotent of [false, true]) {
          const outcome = await callOutcome(callOf(echo, kind, { idempotent, retry: fastRetry }));
          expectFailedWith(outcome, status.UNAVAILABLE);
          expect(outcome.messages).toEqual([]);
        }
        const { calls } = pool.stats();
        expect(calls.ok).toBe(0);
        expect(calls.failed).toBe(2);
      },
    );
  });

  describe('against a handler that fails before its first message', () => {
    let server: FailingEchoServer;
    beforeAll(async () => {
      server = await startFailingEchoServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it.each(KINDS)(
      '%s, idempotent: retried to the last attempt, then fails with its status',
      async (kind) => {
        server.behave({
          code: status.UNAVAILABLE,
          failAttempts: Infinity,
          messagesBeforeFailure: 0,
        });
        pool = createEchoPool(server.address);
        const echo = pool.getService<EchoService>('EchoService');
        const outcome = await callOutcome(
          callOf(echo, kind, { idempotent: true, retry: fastRetry }),
        );
        expectFailedWith(outcome, status.UNAVAILABLE);
        expect(outcome.messages).toEqual([]);
        // A request stream cannot be replayed; everything else is tried maxAttempts times.
        const replayable = kind === 'unary' || kind === 'server stream';
        expect(server.calls).toBe(replayable ? 3 : 1);
        expect(pool.stats().calls).toMatchObject({ ok: 0, failed: 1 });
      },
    );

    it.each(KINDS)('%s, not idempotent: the server saw it, so it fails at once', async (kind) => {
      server.behave({ code: status.UNAVAILABLE, failAttempts: Infinity, messagesBeforeFailure: 0 });
      pool = createEchoPool(server.address);
      const echo = pool.getService<EchoService>('EchoService');
      const outcome = await callOutcome(
        callOf(echo, kind, { idempotent: false, retry: fastRetry }),
      );
      expectFailedWith(outcome, status.UNAVAILABLE);
      expect(outcome.messages).toEqual([]);
      expect(server.calls).toBe(1);
    });

    it.each(KINDS)('%s with a status that is not retried fails with it', async (kind) => {
      server.behave({ code: status.NOT_FOUND, failAttempts: Infinity, messagesBeforeFailure: 0 });
      pool = createEchoPool(server.address);
      const echo = pool.getService<EchoService>('EchoService');
      const outcome = await callOutcome(callOf(echo, kind, { idempotent: true, retry: fastRetry }));
      expectFailedWith(outcome, status.NOT_FOUND);
      expect(server.calls).toBe(1);
    });

    it('a retried server stream delivers every message of the attempt that succeeds, once', async () => {
      server.behave({
        code: status.UNAVAILABLE,
        failAttempts: 2,
        messagesBeforeFailure: 0,
        messages: 3,
      });
      pool = createEchoPool(server.address);
      const echo = pool.getService<EchoService>('EchoService');
      const outcome = await callOutcome(
        callOf(echo, 'server stream', { idempotent: true, retry: fastRetry }),
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.completed).toBe(true);
      expect(outcome.messages.map((m) => m.message)).toEqual(['0', '1', '2']);
      expect(server.calls).toBe(3);
      expect(pool.stats().calls).toMatchObject({ ok: 1, failed: 0 });
    });

    it('a stream that fails after messages delivers them, then fails (it cannot be replayed)', async () => {
      server.behave({ code: status.UNAVAILABLE, failAttempts: Infinity, messagesBeforeFailure: 2 });
      pool = createEchoPool(server.address);
      const echo = pool.getService<EchoService>('EchoService');
      const outcome = await callOutcome(
        callOf(echo, 'server stream', { idempotent: true, retry: fastRetry }),
      );
      expectFailedWith(outcome, status.UNAVAILABLE);
      expect(outcome.messages.map((m) => m.message)).toEqual(['0', '1']);
      expect(server.calls).toBe(1);
    });
  });

  describe('when the backend is killed mid-stream', () => {
    afterEach(async () => {
      await killEchoProcesses();
    });

    it.each(['server stream', 'bidi stream'] as Kind[])(
      '%s fails, keeping what arrived',
      async (kind) => {
        const backend = await startEchoProcess();
        pool = createEchoPool(backend.address);
        const echo = pool.getService<EchoService>('EchoService');
        const requests$ = interval(10).pipe(map((n) => ({ message: String(n) })));
        const call$ =
          kind === 'server stream'
            ? echo.count({ count: 1000, intervalMs: 10 }, undefined, { idempotent: true })
            : echo.chat(requests$);
        let seen = 0;
        const outcome = callOutcome(call$.pipe(tap(() => seen++)));
        await waitFor(() => seen >= 3, HANG_GUARD_MS, 'three messages before the kill');
        await backend.kill();
        const settled = await outcome;
        expect(settled.completed).toBe(false);
        // grpc-js reports a dropped connection as UNAVAILABLE (ECONNRESET), but a request it was
        // writing when the socket died as INTERNAL ("... internal client error: write EPIPE").
        expect([status.UNAVAILABLE, status.INTERNAL]).toContain(settled.error?.code);
        expect(settled.settlements).toBe(1);
        expect(settled.messages.length).toBeGreaterThanOrEqual(3);
      },
    );
  });
});
