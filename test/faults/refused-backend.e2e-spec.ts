import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcCallInterceptor, GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { startClosingListener, type ClosingListener } from '../support/closing-listener.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { poolPeaks } from '../support/pool-peaks.js';
import { waitFor } from '../support/wait-for.js';

// A backend that takes no call at all (each connection is closed as it is
// accepted) must cost the pool one channel, not maxChannels of them: a
// channel in TRANSIENT_FAILURE is no reason to open another to the same
// address, and a retry of a call that failed there must not open one either.
// The listener counts every TCP connect attempt. grpc-js's own reconnect
// backoff is pinned at a minute, so within a test every attempt it sees is one
// the pool asked for by opening a channel.

/** Hang guard for waits on a connection attempt to fail: 10x and more what it takes. */
const HANG_GUARD_MS = 10_000;
/** grpc-js retries a failed connection after this; far beyond any test here. */
const NO_RECONNECT = {
  'grpc.initial_reconnect_backoff_ms': 60_000,
  'grpc.max_reconnect_backoff_ms': 60_000,
};

/** Counts the attempts of calls, as the pool makes them. */
function attemptCounter(): GrpcCallInterceptor & { attempts: number } {
  const counter = {
    attempts: 0,
    beforeAttempt: () => {
      counter.attempts++;
    },
  };
  return counter;
}

describe('fault: a backend that refuses every connection', () => {
  let pool: GrpcPool | undefined;
  let listener: ClosingListener | undefined;
  let healthy: EchoServer | undefined;
  const peaks = poolPeaks();

  afterEach(async () => {
    peaks.stop();
    await closeTestPool(pool, listener, healthy);
    pool = undefined;
    listener = undefined;
    healthy = undefined;
  });

  it('one failing call, retried four times, leaves the pool at one channel and the backend at one connect attempt', async () => {
    listener = await startClosingListener();
    const counter = attemptCounter();
    pool = createEchoPool(listener.address, {
      channelOptions: NO_RECONNECT,
      pool: { maxChannels: 4 },
      defaultCallOptions: { retry: { maxAttempts: 5, initialBackoffMs: 1 } },
      interceptors: [peaks.interceptor, counter],
    });
    peaks.start(pool);
    await waitFor(
      () => pool!.stats().channels[0]?.state === 'TRANSIENT_FAILURE',
      HANG_GUARD_MS,
      'the first connection to fail',
    );
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(
      firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: HANG_GUARD_MS })),
    );
    expect(error.code).toBe(status.UNAVAILABLE);
    // Every retry was made, each on the one channel there is.
    expect(counter.attempts).toBe(5);
    expect(pool.stats().channels.map((c) => [c.id, c.state, c.calls])).toEqual([
      [1, 'TRANSIENT_FAILURE', 5],
    ]);
    expect(peaks.peaks.channels).toBe(1);
    expect(listener.connections).toBe(1);
  });

  it('with a healthy backend beside it, growth for load goes to the healthy one only', async () => {
    listener = await startClosingListener();
    healthy = await startEchoServer();
    pool = createEchoPool([listener.address, healthy.address], {
      channelOptions: NO_RECONNECT,
      // Outlier detection would hide the refused backend after its failures: this is about growth.
      pool: { maxChannels: 4, maxConcurrentCallsPerChannel: 1, outlierDetection: false },
      interceptors: [peaks.interceptor],
    });
    peaks.start(pool);
    await waitFor(
      () =>
        pool!.stats().channels.some((c) => c.state === 'TRANSIENT_FAILURE') &&
        pool!.stats().channels.some((c) => c.state === 'READY'),
      HANG_GUARD_MS,
      'one channel failing and one READY',
    );
    const release = healthy.holdSlowCalls();
    const echo = pool.getService<EchoService>('EchoService');
    let settled = 0;
    const calls = Array.from({ length: 3 }, () =>
      firstValueFrom(echo.slow({ delayMs: 0 }, undefined, { timeoutMs: HANG_GUARD_MS })).finally(
        () => settled++,
      ),
    );
    try {
      // Each call is held on the healthy backend, or has failed elsewhere.
      await waitFor(
        () => healthy!.active + settled === 3,
        HANG_GUARD_MS,
        'three calls held or failed',
      );
    } finally {
      release();
    }
    const outcomes = await Promise.allSettled(calls);
    // One call per channel: the three ran on three channels to the healthy backend.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const channelsTo = (address: string): number =>
      pool!.stats().channels.filter((c) => c.target === address).length;
    expect(channelsTo(healthy.address)).toBe(3);
    expect(channelsTo(listener.address)).toBe(1);
    expect(listener.connections).toBe(1);
    expect(peaks.peaks.channels).toBeLessThanOrEqual(4);
  });
});
