import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Observable, type Subscription } from 'rxjs';
import { FakeWireCalls, preparedCall } from '../../test/support/fake-wire-calls.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import { resolveRetryPolicy } from '../policies/retry-policy.js';
import { ChannelPool } from '../pool/channel-pool.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { SlotRequester } from '../pool/slot-waiter.js';

// How a call leaves the pool's queue: the real PooledCall, inside an rxjs
// Observable as the facades make it (so its teardown runs after every
// outcome), on a real ChannelPool with one slot, on a fake clock. The pool
// counts each time a call withdraws itself: a call leaves the queue once,
// and one the pool granted or refused has left already.

/** The real pool, counting the withdrawals its callers make. */
class CountingPool extends ChannelPool {
  withdrawals = 0;

  override acquire(
    deadline: number | undefined,
    requester: SlotRequester,
    avoid?: PooledChannel,
  ): () => void {
    const withdraw = super.acquire(deadline, requester, avoid);
    return () => {
      this.withdrawals++;
      withdraw();
    };
  }
}

interface Outcome {
  code: status;
  message: string;
}

class Harness {
  readonly outcomes: Outcome[] = [];
  private readonly calls = new FakeWireCalls('queue-leave-spec', {
    limits: { maxChannels: 1, maxConcurrentCallsPerChannel: 1, acquireTimeoutMs: 60_000 },
    Pool: CountingPool,
  });
  readonly pool = this.calls.pool;
  /** Each attempt, in order: the test ends attempts through their sinks. */
  readonly attempts = this.calls.attempts;
  private readonly subscriptions: Subscription[] = [];

  /** Subscribes to one call, as `getService()`'s Observable does. */
  call(
    options: { timeoutMs?: number; signal?: AbortSignal; retry?: GrpcRetryOptions } = {},
  ): Subscription {
    const prepared = preparedCall({
      deadline: options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs,
      retry: options.retry === undefined ? undefined : resolveRetryPolicy(options.retry),
      signal: options.signal,
    });
    const observable = new Observable<object>((subscriber) => {
      const call = this.calls.newCall(prepared, subscriber);
      this.calls.context.admission.register(call);
      call.open();
      return call;
    });
    const subscription = observable.subscribe({
      error: (error: ServiceError) =>
        this.outcomes.push({ code: error.code, message: error.message }),
      complete: () => this.outcomes.push({ code: status.OK, message: '' }),
    });
    this.subscriptions.push(subscription);
    return subscription;
  }

  /** Ends attempt `index` with OK, as grpc-js would. */
  succeed(index: number): void {
    const { sink } = this.attempts[index];
    sink.ended(status.OK, '');
    sink.settled(null);
  }

  /** Ends attempt `index` with UNAVAILABLE before the server saw it (a retryable failure). */
  drop(index: number): void {
    const { sink } = this.attempts[index];
    const details = 'No connection established';
    sink.ended(status.UNAVAILABLE, details);
    sink.settled(
      Object.assign(new Error(details), {
        code: status.UNAVAILABLE,
        details,
        metadata: new Metadata(),
      }),
    );
  }

  close(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.calls.close();
  }
}

let harness: Harness;

beforeEach(() => {
  jest.useFakeTimers();
  harness = new Harness();
});

afterEach(() => {
  harness.close();
  harness = undefined as unknown as Harness;
  jest.useRealTimers();
});

describe('a call leaves the pool queue once', () => {
  it('a call granted at once never withdraws', () => {
    harness.call();
    harness.succeed(0);
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.OK]);
    expect(harness.pool.withdrawals).toBe(0);
  });

  it('a call granted from the queue does not withdraw when it ends', () => {
    harness.call();
    harness.call();
    expect(harness.pool.queued).toBe(1);
    harness.succeed(0);
    harness.succeed(1);
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.OK, status.OK]);
    expect(harness.pool.withdrawals).toBe(0);
  });

  it('a call that reached its deadline in the queue does not withdraw again, and is not retained', () => {
    harness.call();
    harness.call({ timeoutMs: 100 });
    jest.advanceTimersByTime(100);
    expect(harness.outcomes.map((o) => o.code)).toEqual([status.DEADLINE_EXCEEDED]);
    expect(harness.pool.withdrawals).toBe(0);
    expect(harness.pool.queueRetained()).toBe(0);
  });

  it('a call unsubscribed in the queue withdraws exactly once', () => {
    harness.call();
    harness.call().unsubscribe();
    expect(harness.pool.withdrawals).toBe(1);
    expect(harness.pool.queued).toBe(0);
    expect(harness.pool.queueRetained()).toBe(0);
  });

  it('calls aborted in the queue by one shared signal each withdraw once, and say they were queued', () => {
    harness.call();
    const controller = new AbortController();
    for (let i = 0; i < 1_000; i++) harness.call({ signal: controller.signal });
    expect(harness.pool.queued).toBe(1_000);
    controller.abort();
    expect(harness.outcomes).toHaveLength(1_000);
    expect(new Set(harness.outcomes.map((o) => o.code))).toEqual(new Set([status.CANCELLED]));
    expect(harness.outcomes[0].message).toContain(
      'aborted by its AbortSignal while it waited for a slot (queued)',
    );
    expect(harness.pool.withdrawals).toBe(1_000);
    expect(harness.pool.queueRetained()).toBe(0);
    // The slot goes to the next call as before: nothing of the aborted calls is in its way.
    harness.succeed(0);
    harness.call();
    expect(harness.attempts).toHaveLength(2);
  });
});

describe('an aborted call says where it was', () => {
  it('queued: while it waited for a slot', () => {
    harness.call();
    const controller = new AbortController();
    harness.call({ signal: controller.signal });
    controller.abort();
    expect(harness.outcomes).toEqual([
      {
        code: status.CANCELLED,
        message: expect.stringMatching(/while it waited for a slot \(queued\)$/),
      },
    ]);
  });

  it('on the wire: while it ran', () => {
    const controller = new AbortController();
    harness.call({ signal: controller.signal });
    expect(harness.attempts).toHaveLength(1);
    controller.abort();
    expect(harness.outcomes).toEqual([
      { code: status.CANCELLED, message: expect.stringMatching(/while it ran$/) },
    ]);
  });

  it('in a retry backoff: while it waited to retry', () => {
    const controller = new AbortController();
    harness.call({ signal: controller.signal, retry: { initialBackoffMs: 1000 } });
    harness.drop(0);
    expect(harness.outcomes).toEqual([]);
    controller.abort();
    expect(harness.outcomes).toEqual([
      { code: status.CANCELLED, message: expect.stringMatching(/while it waited to retry$/) },
    ]);
    jest.advanceTimersByTime(10_000);
    expect(harness.attempts).toHaveLength(1);
  });
});
