import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { GrpcPoolChannelOptions } from '../interfaces/pool-options.interface.js';
import { unconnectedClientOptions, unconnectedPool } from '../../test/support/unconnected-pool.js';
import type { ChannelPool } from './channel-pool.js';
import type { Lease } from './lease.js';
import type { SlotRequester } from './slot-waiter.js';

// The queue of a full pool on a fake clock: one channel with room for one call,
// so every further call waits. The channel never connects (nothing is sent).

const NAME = 'queue-spec';

/** What a requester was told, and when. */
interface Answer {
  lease?: Lease;
  code?: status;
  message?: string;
  at: number;
}

function requester(): SlotRequester & { answers: Answer[] } {
  const answers: Answer[] = [];
  return {
    answers,
    grant: (lease) => answers.push({ lease, at: Date.now() }),
    reject: (error) =>
      answers.push({
        code: (error as { code?: status }).code,
        message: error.message,
        at: Date.now(),
      }),
  };
}

let pools: ChannelPool[] = [];

/** A pool with one slot, taken at once by a first call: the next calls queue. */
function fullPool(limits: GrpcPoolChannelOptions = {}): { pool: ChannelPool; lease: Lease } {
  const pool = unconnectedPool(
    unconnectedClientOptions(NAME, {
      maxChannels: 1,
      maxConcurrentCallsPerChannel: 1,
      acquireTimeoutMs: 1000,
      ...limits,
    }),
  );
  pools.push(pool);
  const first = requester();
  pool.acquire(undefined, first);
  return { pool, lease: first.answers[0].lease! };
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  for (const pool of pools) pool.close();
  pools = [];
  jest.useRealTimers();
});

describe('the slot queue', () => {
  it('fails a waiting call with RESOURCE_EXHAUSTED exactly at acquireTimeoutMs, not before', () => {
    const { pool } = fullPool();
    const waiting = requester();
    const queuedAt = Date.now();
    pool.acquire(undefined, waiting);
    expect(pool.queued).toBe(1);
    jest.advanceTimersByTime(999);
    expect(waiting.answers).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(waiting.answers).toEqual([
      {
        code: status.RESOURCE_EXHAUSTED,
        message: expect.stringContaining('no slot freed within acquireTimeoutMs 1000'),
        at: queuedAt + 1000,
      },
    ]);
    expect(pool.queued).toBe(0);
  });

  it('fails it with DEADLINE_EXCEEDED exactly at its deadline when that comes first', () => {
    const { pool } = fullPool();
    const waiting = requester();
    const queuedAt = Date.now();
    pool.acquire(queuedAt + 300, waiting);
    jest.advanceTimersByTime(299);
    expect(waiting.answers).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(waiting.answers).toEqual([
      {
        code: status.DEADLINE_EXCEEDED,
        message: expect.stringContaining('after 300 ms waiting for a free channel'),
        at: queuedAt + 300,
      },
    ]);
  });

  it('says RESOURCE_EXHAUSTED when the deadline and acquireTimeoutMs fall at the same time', () => {
    const { pool } = fullPool();
    const waiting = requester();
    pool.acquire(Date.now() + 1000, waiting);
    jest.advanceTimersByTime(1000);
    expect(waiting.answers.map((a) => a.code)).toEqual([status.RESOURCE_EXHAUSTED]);
  });

  it('hands a freed slot to the first waiter, whose timer then never fires', () => {
    const { pool, lease } = fullPool();
    const [first, second] = [requester(), requester()];
    const queuedAt = Date.now();
    pool.acquire(undefined, first);
    pool.acquire(undefined, second);
    jest.advanceTimersByTime(500);
    const timers = jest.getTimerCount();
    lease.release();
    expect(first.answers).toEqual([{ lease: expect.anything(), at: queuedAt + 500 }]);
    // Its wait's timer went with it: a granted call leaves no timer behind.
    expect(jest.getTimerCount()).toBe(timers - 1);
    jest.advanceTimersByTime(10_000);
    // Granted once and never refused; the second still timed out at its own acquireTimeoutMs.
    expect(first.answers).toHaveLength(1);
    expect(second.answers).toEqual([
      { code: status.RESOURCE_EXHAUSTED, message: expect.any(String), at: queuedAt + 1000 },
    ]);
  });

  it('tells a waiter that withdrew nothing, ever', () => {
    const { pool, lease } = fullPool();
    const gaveUp = requester();
    const timers = jest.getTimerCount();
    const withdraw = pool.acquire(undefined, gaveUp);
    withdraw();
    expect(jest.getTimerCount()).toBe(timers);
    expect(pool.queued).toBe(0);
    lease.release();
    jest.advanceTimersByTime(10_000);
    expect(gaveUp.answers).toEqual([]);
  });

  it('refuses at once, with RESOURCE_EXHAUSTED, a call that finds the queue full', () => {
    const { pool } = fullPool({ maxQueued: 1 });
    pool.acquire(undefined, requester());
    const turnedAway = requester();
    pool.acquire(undefined, turnedAway);
    expect(turnedAway.answers).toEqual([
      {
        code: status.RESOURCE_EXHAUSTED,
        message: expect.stringContaining('the queue is full'),
        at: Date.now(),
      },
    ]);
  });

  it('with acquireTimeoutMs 0 refuses a call that finds no slot without letting it wait', () => {
    const { pool } = fullPool({ acquireTimeoutMs: 0 });
    const waiting = requester();
    pool.acquire(undefined, waiting);
    jest.advanceTimersByTime(0);
    expect(waiting.answers.map((a) => a.code)).toEqual([status.RESOURCE_EXHAUSTED]);
  });

  it('fails every waiting call at once when the pool closes', () => {
    const { pool } = fullPool();
    const waiting = requester();
    pool.acquire(undefined, waiting);
    pool.close();
    expect(waiting.answers).toEqual([
      { code: status.UNAVAILABLE, message: expect.any(String), at: Date.now() },
    ]);
    jest.advanceTimersByTime(10_000);
    expect(waiting.answers).toHaveLength(1);
  });

  it('keeps none of the waiters that gave up while no slot freed, and serves the next in order', () => {
    const { pool, lease } = fullPool({ maxQueued: 2_000 });
    const gaveUp = Array.from({ length: 2_000 }, () => requester());
    // Half reach acquireTimeoutMs, half withdraw (their caller cancelled or aborted).
    const withdraws = gaveUp.map((waiting, i) =>
      pool.acquire(i % 2 === 0 ? undefined : Date.now() + 500, waiting),
    );
    withdraws.forEach((withdraw, i) => i % 2 === 0 && withdraw());
    jest.advanceTimersByTime(1000);
    expect(pool.queued).toBe(0);
    expect(pool.queueRetained()).toBe(0);
    // Those that reached their deadline were told so; those that withdrew, nothing.
    expect(gaveUp.map((w) => w.answers.length)).toEqual(gaveUp.map((_, i) => i % 2));
    const next = requester();
    pool.acquire(undefined, next);
    expect(pool.queueRetained()).toBe(1);
    lease.release();
    expect(next.answers).toEqual([{ lease: expect.anything(), at: Date.now() }]);
    expect(pool.queueRetained()).toBe(0);
  });

  it('a withdrawal after the waiter was granted or refused takes no other waiter out', () => {
    const { pool, lease } = fullPool();
    const [granted, timedOut, stillWaiting] = [requester(), requester(), requester()];
    const withdrawGranted = pool.acquire(undefined, granted);
    const withdrawTimedOut = pool.acquire(Date.now() + 100, timedOut);
    jest.advanceTimersByTime(100);
    lease.release();
    pool.acquire(undefined, stillWaiting);
    withdrawGranted();
    withdrawTimedOut();
    expect(pool.queued).toBe(1);
    expect(pool.queueRetained()).toBe(1);
    expect(granted.answers).toHaveLength(1);
    expect(timedOut.answers.map((a) => a.code)).toEqual([status.DEADLINE_EXCEEDED]);
    granted.answers[0].lease!.release();
    expect(stillWaiting.answers).toEqual([{ lease: expect.anything(), at: Date.now() }]);
  });
});
