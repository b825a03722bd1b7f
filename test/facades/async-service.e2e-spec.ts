import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AsyncLocalStorage } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { firstValueFrom, of } from 'rxjs';
import {
  GrpcCallAbortedError,
  GrpcUnknownServiceError,
  type GrpcPool,
  type GrpcPoolCallOptions,
} from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { collect } from '../support/collect.js';
import {
  createEchoPool,
  type EchoAsyncService,
  type EchoReply,
  type EchoService,
} from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { sleep, waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** One full turn of the event loop: whatever a call would start on its own has started by then. */
const turnOfTheEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const messages = (replies: EchoReply[]): string[] => replies.map((reply) => reply.message);

describe('getAsyncService: the four call kinds for async/await', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address, {
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
    });
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterAll(() => closeTestPool(pool, server));

  it('unary returns a promise, under the camelCase and the proto method name', async () => {
    expect((await echo.echo({ message: 'hi' })).message).toBe('hi');
    const byProtoName = pool.getAsyncService<{ Echo: EchoAsyncService['echo'] }>('EchoService');
    expect((await byProtoName.Echo({ message: 'proto' })).message).toBe('proto');
    expect(pool.getAsyncService('EchoService')).toBe(pool.getAsyncService('EchoService'));
  });

  it('sends metadata, and takes undefined metadata with options', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t0k');
    expect((await echo.echo({ message: 'm' }, metadata)).token).toBe('Bearer t0k');
    expect((await echo.echo({ message: 'u' }, undefined, { timeoutMs: 1000 })).message).toBe('u');
  });

  it('an unknown service fails as getService() does', () => {
    expect(() => pool.getAsyncService('NoSuchService')).toThrow(GrpcUnknownServiceError);
  });

  it('server streaming is an async iterable, and starts only when iterated', async () => {
    const before = server.calls;
    const startedBefore = pool.stats().calls.started;
    const replies = echo.count({ count: 5, intervalMs: 1 });
    await turnOfTheEventLoop();
    // Not started on the client, and a call made after it reaches the server alone.
    expect(pool.stats().calls.started).toBe(startedBefore);
    expect((await echo.echo({ message: 'after' })).message).toBe('after');
    expect(server.calls).toBe(before + 1);
    expect(messages(await collect(replies))).toEqual(['0', '1', '2', '3', '4']);
    expect(server.calls).toBe(before + 2);
  });

  it('a failed stream delivers its messages, then rejects with the status', async () => {
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const reply of echo.count({
          count: 2,
          intervalMs: 1,
          failWith: status.DATA_LOSS,
        }))
          seen.push(reply.message);
      })(),
    );
    expect(seen).toEqual(['0', '1']);
    expect(error.code).toBe(status.DATA_LOSS);
  });

  it('client streaming takes an array, a generator, an async generator and an Observable', async () => {
    expect((await echo.collect([{ message: 'a' }, { message: 'b' }])).message).toBe('a,b');
    function* sync(): Generator<{ message: string }> {
      yield { message: 's1' };
      yield { message: 's2' };
    }
    expect((await echo.collect(sync())).message).toBe('s1,s2');
    // A producer that has to wait (on a timer) for each message: the call waits with it.
    async function* later(): AsyncGenerator<{ message: string }> {
      await sleep(5);
      yield { message: 'x' };
      await sleep(5);
      yield { message: 'y' };
    }
    expect((await echo.collect(later())).message).toBe('x,y');
    expect((await echo.collect(of({ message: 'o1' }, { message: 'o2' }))).message).toBe('o1,o2');
    expect((await echo.collect([])).message).toBe('');
  });

  it('bidi: responses arrive while the request generator is still producing', async () => {
    const replies: string[] = [];
    let answered: () => void = () => undefined;
    async function* conversation(): AsyncGenerator<{ message: string }> {
      for (const message of ['one', 'two', 'three']) {
        const echoed = new Promise<void>((resolve) => (answered = resolve));
        yield { message };
        // The next request waits for this one's echo: a real conversation.
        await echoed;
      }
    }
    for await (const reply of echo.chat(conversation())) {
      replies.push(reply.message);
      answered();
    }
    expect(replies).toEqual(['echo:one', 'echo:two', 'echo:three']);
  });

  it('a request source that throws fails the call with its error, and closes nothing else', async () => {
    async function* broken(): AsyncGenerator<{ message: string }> {
      yield { message: 'a' };
      throw new Error('producer broke');
    }
    const error = await failure(echo.collect(broken()));
    expect(error.message).toContain('producer broke');
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
  });

  it('a request stream that is not one (a string, a number) fails with INVALID_ARGUMENT', async () => {
    for (const notAStream of ['ab', 42, { message: 'a' }]) {
      const error = await failure(echo.collect(notAStream as unknown as { message: string }[]));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('an AsyncIterable, an Iterable or an Observable');
    }
  });

  it('bad per-call options fail that call with INVALID_ARGUMENT, streams included', async () => {
    const bad = { timeoutMs: -1 } as GrpcPoolCallOptions;
    expect((await failure(echo.echo({ message: 'x' }, undefined, bad))).code).toBe(
      status.INVALID_ARGUMENT,
    );
    const badSignal = { signal: { aborted: 'no' } } as unknown as GrpcPoolCallOptions;
    const error = await failure(
      collect(echo.count({ count: 1, intervalMs: 1 }, undefined, badSignal)),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('options.signal must be an AbortSignal');
  });

  it('options are read once: what is checked is what is used, and options that throw are INVALID_ARGUMENT', async () => {
    let reads = 0;
    const shifty = {
      get timeoutMs() {
        return reads++ === 0 ? 1000 : 1e300;
      },
    };
    expect((await echo.echo({ message: 'once' }, undefined, shifty)).message).toBe('once');
    expect(reads).toBe(1);
    const throwing = {
      get timeoutMs(): number {
        throw new Error('getter failed');
      },
    };
    const error = await failure(echo.echo({ message: 'x' }, undefined, throwing));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toMatch(/options could not be read: getter failed/);
    const notAServerCall = await failure(
      echo.echo({ message: 'x' }, undefined, { parent: {} } as GrpcPoolCallOptions),
    );
    expect(notAServerCall.code).toBe(status.INVALID_ARGUMENT);
    expect(notAServerCall.message).toMatch(
      /options\.parent must be the call a grpc-js server handler received/,
    );
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the call to end');
  });

  it('a request source that never waits still lets the event loop run between messages', async () => {
    // Count the messages read between two turns of the event loop; the turn that sees
    // ABORT_AFTER messages read aborts the call, so the abort itself needs a turn to happen.
    const ABORT_AFTER = 5000;
    const controller = new AbortController();
    let pulled = 0;
    let pulledAtLastTurn = 0;
    let mostInOneTurn = 0;
    let turning = true;
    const turn = () => {
      pulledAtLastTurn = pulled;
      if (pulled >= ABORT_AFTER) controller.abort();
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const endless: Iterable<{ message: string }> = {
      [Symbol.iterator]: () => ({
        next: () => {
          pulled++;
          mostInOneTurn = Math.max(mostInOneTurn, pulled - pulledAtLastTurn);
          return { value: { message: 'x' }, done: false };
        },
      }),
    };
    try {
      const error = await failure(echo.collect(endless, undefined, { signal: controller.signal }));
      expect(error.name).toBe('AbortError');
    } finally {
      turning = false;
    }
    // Without the turns, 131,000 messages (about 1 MB) went in one go, until write() returned false.
    // With them, the library reads 256 (MESSAGES_PER_TURN) before it yields: at most two such runs
    // fall between two turns of this counter, whichever of the two setImmediates runs first.
    expect(pulled).toBeGreaterThanOrEqual(ABORT_AFTER);
    expect(mostInOneTurn).toBeLessThanOrEqual(2 * 256);
  });

  it('a deadline surfaces as DEADLINE_EXCEEDED, and the server saw it cancel the call', async () => {
    const cancelledBefore = server.cancelled;
    // The reply would come long after the deadline, however slow the machine.
    const error = await failure(echo.slow({ delayMs: 60_000 }, undefined, { timeoutMs: 50 }));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the deadline cancel the call',
    );
  });

  it('retries as getService() does', async () => {
    const reply = await echo.echo(
      { message: 'again', failWith: status.UNAVAILABLE, failTimes: 1, key: 'async-retry' },
      undefined,
      { idempotent: true },
    );
    expect(reply.message).toBe('again');
    expect(server.attempts.get('async-retry')).toBe(2);
  });

  it('runs call interceptors, which can add metadata', async () => {
    const reply = await echo.echo({ message: 'i' }, undefined, {
      interceptors: [
        { beforeAttempt: (call) => void call.metadata.set('authorization', 'from-interceptor') },
      ],
    });
    expect(reply.token).toBe('from-interceptor');
  });

  it('next() called again before the last one settled gets the next message, in order', async () => {
    const replies = echo.count({ count: 3, intervalMs: 5 });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => replies.next()));
    expect(results.map((r) => (r.done ? 'done' : r.value.message))).toEqual([
      '0',
      '1',
      '2',
      'done',
      'done',
    ]);
    // Iterating it again finds it finished: a response stream is read once.
    expect(await collect(replies)).toEqual([]);
  });

  it('a call keeps the async context it was made in', async () => {
    const storage = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const options: GrpcPoolCallOptions = { onTrailer: () => seen.push(storage.getStore()) };
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        storage.run(id, () => echo.echo({ message: id }, undefined, options)),
      ),
    );
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('getAsyncService: AbortSignal and early exits', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startEchoServer();
    // One slot in all: a second call waits in the queue.
    pool = createEchoPool(server.address, {
      pool: { maxChannels: 1, maxConcurrentCallsPerChannel: 1, acquireTimeoutMs: 5000 },
    });
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterEach(() =>
    waitFor(() => pool.stats().inFlight === 0 && pool.stats().queued === 0, HANG_GUARD_MS),
  );
  afterAll(() => closeTestPool(pool, server));

  it('an already aborted signal sends nothing and rejects with an AbortError', async () => {
    const before = server.calls;
    const controller = new AbortController();
    controller.abort(new Error('user went away'));
    const error = await failure(
      echo.echo({ message: 'x' }, undefined, { signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(GrpcCallAbortedError);
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe(status.CANCELLED);
    expect(error.message).toContain('aborted');
    expect(error.message).toContain('user went away');
    const streamError = await failure(
      collect(echo.count({ count: 3, intervalMs: 1 }, undefined, { signal: controller.signal })),
    );
    expect(streamError.name).toBe('AbortError');
    // One slot, first come first served: had either aborted call been sent, it would be ahead of this one.
    expect((await echo.echo({ message: 'after' })).message).toBe('after');
    expect(server.calls).toBe(before + 1);
  });

  it('aborting a call that waits in the queue rejects it at once and leaves the queue', async () => {
    // The holder keeps the only slot until the test lets its request stream end.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    async function* holderRequests(): AsyncGenerator<{ message: string }> {
      yield { message: 'holder' };
      await released;
    }
    const holder = collect(echo.chat(holderRequests()));
    try {
      await waitFor(
        () => pool.stats().inFlight === 1,
        HANG_GUARD_MS,
        'the holder to take the slot',
      );
      const controller = new AbortController();
      const queued = echo.echo({ message: 'queued' }, undefined, { signal: controller.signal });
      await waitFor(() => pool.stats().queued === 1, HANG_GUARD_MS, 'the call to queue');
      controller.abort();
      const error = await failure(queued);
      expect(error.name).toBe('AbortError');
      // Rejected while the holder still has the slot: the abort did not wait for one.
      expect(pool.stats()).toMatchObject({ inFlight: 1, queued: 0 });
    } finally {
      release();
    }
    expect(messages(await holder)).toEqual(['echo:holder']);
    expect(server.metadataOf.has('queued')).toBe(false);
  });

  it('aborting mid-stream cancels the call on the wire and frees its slot', async () => {
    const cancelledBefore = server.cancelled;
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const reply of echo.count({ count: 1000, intervalMs: 10 }, undefined, {
          signal: controller.signal,
        })) {
          seen.push(reply.message);
          if (seen.length === 2) controller.abort();
        }
      })(),
    );
    expect(error.name).toBe('AbortError');
    expect(seen).toEqual(['0', '1']);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the cancel',
    );
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
    // The freed slot takes the next call at once.
    expect((await echo.echo({ message: 'next' })).message).toBe('next');
  });

  it('break out of for await cancels the call on the wire', async () => {
    const cancelledBefore = server.cancelled;
    const seen: string[] = [];
    for await (const reply of echo.count({ count: 1000, intervalMs: 10 })) {
      seen.push(reply.message);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['0', '1', '2']);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the cancel',
    );
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
    expect(pool.stats().calls.byCode.CANCELLED).toBeGreaterThanOrEqual(1);
  });

  it('aborting a bidi call stops reading its request generator and runs its finally', async () => {
    const controller = new AbortController();
    let closed = false;
    async function* endless(): AsyncGenerator<{ message: string }> {
      try {
        for (let i = 0; ; i++) {
          yield { message: String(i) };
          await sleep(5);
        }
      } finally {
        closed = true;
      }
    }
    const error = await failure(
      (async () => {
        for await (const reply of echo.chat(endless(), undefined, { signal: controller.signal })) {
          if (reply.message === 'echo:3') controller.abort();
        }
      })(),
    );
    expect(error.name).toBe('AbortError');
    await waitFor(() => closed, HANG_GUARD_MS, "the generator's finally to run");
  });

  it('getService() takes the same signal: aborting errors the Observable and frees the slot', async () => {
    const observable = pool.getService<EchoService>('EchoService');
    const controller = new AbortController();
    const call = firstValueFrom(
      observable.slow({ delayMs: 60_000 }, undefined, { signal: controller.signal }),
    );
    await waitFor(() => pool.stats().inFlight === 1, HANG_GUARD_MS, 'the call to start');
    controller.abort();
    const error = await failure(call);
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe(status.CANCELLED);
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
  });

  it('an abort after the call settled changes nothing', async () => {
    const controller = new AbortController();
    const reply = await echo.echo({ message: 'done' }, undefined, { signal: controller.signal });
    controller.abort();
    expect(reply.message).toBe('done');
  });

  it('an abort from inside onTrailer or onHeader, once the outcome is known, changes nothing', async () => {
    const before = pool.stats().calls;
    const controller = new AbortController();
    const abort = () => controller.abort();
    const reply = await echo.echo({ message: 'kept' }, undefined, {
      signal: controller.signal,
      onTrailer: abort,
    });
    expect(reply.message).toBe('kept');
    const failed = await failure(
      echo.echo({ message: 'x', failWith: status.NOT_FOUND }, undefined, {
        signal: new AbortController().signal,
        onTrailer: abort,
      }),
    );
    expect(failed.code).toBe(status.NOT_FOUND);
    const streamed: string[] = [];
    const streamAbort = new AbortController();
    for await (const r of echo.count({ count: 2 }, undefined, {
      signal: streamAbort.signal,
      onTrailer: () => streamAbort.abort(),
    }))
      streamed.push(r.message);
    expect(streamed).toEqual(['0', '1']);
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS);
    const after = pool.stats().calls;
    // Each call counted once: three started, two OK, one NOT_FOUND.
    expect(after.started - before.started).toBe(3);
    expect(after.ok - before.ok).toBe(2);
    expect(after.failed - before.failed).toBe(1);
  });

  it('a signal shared by many concurrent calls gets one listener, and its abort ends them all', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const calls = Array.from({ length: 30 }, (_, i) =>
        failure(
          echo.slow({ delayMs: 5000, message: String(i) }, undefined, {
            signal: controller.signal,
          }),
        ),
      );
      await waitFor(() => pool.stats().queued === 29, HANG_GUARD_MS, 'one call running, 29 queued');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort();
      const errors = await Promise.all(calls);
      expect(errors.every((error) => error.name === 'AbortError')).toBe(true);
      await waitFor(() => pool.stats().inFlight === 0 && pool.stats().queued === 0, HANG_GUARD_MS);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a signal-like object that cannot be listened to fails the call with INVALID_ARGUMENT, holding nothing', async () => {
    const broken = {
      aborted: false,
      reason: undefined,
      addEventListener: () => {
        throw new Error('no listeners here');
      },
      removeEventListener: () => undefined,
    } as unknown as AbortSignal;
    const error = await failure(echo.echo({ message: 'x' }, undefined, { signal: broken }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toMatch(/options\.signal could not be watched: no listeners here/);
    expect(pool.stats().inFlight).toBe(0);
  });

  it('a long-lived signal shared by many calls holds no listener once they end', async () => {
    const shared = new AbortController().signal;
    const observable = pool.getService<EchoService>('EchoService');
    for (let i = 0; i < 50; i++) {
      await echo.echo({ message: 'ok' }, undefined, { signal: shared });
      await failure(
        echo.echo({ message: 'no', failWith: status.NOT_FOUND }, undefined, { signal: shared }),
      );
      for await (const _reply of echo.count({ count: 3 }, undefined, { signal: shared })) break;
      await firstValueFrom(observable.echo({ message: 'ok' }, undefined, { signal: shared }));
    }
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS);
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });
});

describe('getAsyncService: drain on shutdown', () => {
  it('lets an open async stream finish, refuses new calls, then closes', async () => {
    const server = await startEchoServer();
    const pool = createEchoPool(server.address, { drainTimeoutMs: HANG_GUARD_MS });
    try {
      const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
      const iterator = echo.count({ count: 5, intervalMs: 40 })[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.value?.message).toBe('0');
      const closing = pool.close();
      const refused = await failure(echo.echo({ message: 'late' }));
      expect(refused.code).toBe(status.UNAVAILABLE);
      const rest: string[] = [];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        rest.push(next.value.message);
      }
      expect(rest).toEqual(['1', '2', '3', '4']);
      await closing;
      expect(pool.state).toBe('closed');
    } finally {
      await closeTestPool(pool, server);
    }
  });

  it('cancels an async stream still open when drainTimeoutMs runs out', async () => {
    const server = await startEchoServer();
    const pool = createEchoPool(server.address, { drainTimeoutMs: 100 });
    try {
      const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
      const iterator = echo.count({ count: 1000, intervalMs: 20 })[Symbol.asyncIterator]();
      await iterator.next();
      const closing = pool.close();
      const error = await failure(
        (async () => {
          for (let next = await iterator.next(); !next.done; next = await iterator.next());
        })(),
      );
      expect(error.code).toBe(status.CANCELLED);
      expect(error.details).toContain('drainTimeoutMs');
      await closing;
    } finally {
      await closeTestPool(pool, server);
    }
  });
});
