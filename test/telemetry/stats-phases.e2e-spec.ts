import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, Subject } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;
/** How long the server holds each Slow call: a floor under the phases that include it. */
const SLOW_DELAY_MS = 100;
/** libuv counts timers in whole milliseconds, so one can fire up to 1 ms early against performance.now(). */
const TIMER_SLACK_MS = 2;

/**
 * `stats()` says where the time goes (phase by phase) and for which method, with no exporter at all.
 * These tests check that each phase is recorded for the calls it belongs to and that the figures
 * agree with each other; the exact arithmetic is pinned with fake timers in
 * lib/telemetry/call-recorder.spec.ts. The only lower bounds here are ones a loaded machine can
 * only make truer: a phase that includes the server's delay lasts at least that delay.
 */
describe('stats(): phases and byMethod', () => {
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterEach(async () => closeTestPool(pool));
  afterAll(async () => server.close());

  it('counts and times each method apart', async () => {
    pool = createEchoPool(server.address, { telemetry: false });
    const echo = pool.getService<EchoService>('EchoService');
    for (let i = 0; i < 3; i++) await firstValueFrom(echo.echo({ message: `${i}` }));
    await failure(firstValueFrom(echo.echo({ message: 'x', failWith: status.NOT_FOUND })));
    await firstValueFrom(echo.slow({ delayMs: SLOW_DELAY_MS }));
    const { byMethod, calls, latencyMs } = pool.stats();
    expect(Object.keys(byMethod).sort()).toEqual([
      '/test.v1.EchoService/Echo',
      '/test.v1.EchoService/Slow',
    ]);
    const echoStats = byMethod['/test.v1.EchoService/Echo'];
    const slowStats = byMethod['/test.v1.EchoService/Slow'];
    expect(echoStats.calls).toEqual({
      started: 4,
      ok: 3,
      failed: 1,
      byCode: { OK: 3, NOT_FOUND: 1 },
    });
    expect(slowStats.calls).toEqual({ started: 1, ok: 1, failed: 0, byCode: { OK: 1 } });
    expect(calls.started).toBe(5);
    // Slow's window holds its one call alone: every percentile is that call, which lasted at
    // least the server's delay. Mixed with Echo's four, its p50 would be an Echo call.
    expect(slowStats.latencyMs.p50).toBe(slowStats.latencyMs.p99);
    expect(slowStats.latencyMs.p50!).toBeGreaterThanOrEqual(SLOW_DELAY_MS - TIMER_SLACK_MS);
    expect(echoStats.latencyMs.p50!).toBeGreaterThan(0);
    expect(echoStats.latencyMs.p50!).toBeLessThanOrEqual(echoStats.latencyMs.p99!);
    // The pool's window holds all five calls: its p99 is the slowest of either method.
    expect(latencyMs.p99).toBe(Math.max(echoStats.latencyMs.p99!, slowStats.latencyMs.p99!));
  });

  it('splits a queued call into slot wait, headers and the whole call', async () => {
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
    });
    await waitFor(() => pool!.state === 'ready', HANG_GUARD_MS, 'the channel to connect');
    const echo = pool.getService<EchoService>('EchoService');
    // Slow answers its headers only with its reply: B waits for A's slot, then for its own reply.
    await Promise.all([
      firstValueFrom(echo.slow({ delayMs: SLOW_DELAY_MS, message: 'A' })),
      firstValueFrom(echo.slow({ delayMs: SLOW_DELAY_MS, message: 'B' })),
    ]);
    const { phasesMs, latencyMs } = pool.stats();
    // A got its slot at once (exactly 0); B waited at least as long as the server held A.
    expect(phasesMs.slotWait.p50).toBe(0);
    expect(phasesMs.slotWait.p99!).toBeGreaterThanOrEqual(SLOW_DELAY_MS - TIMER_SLACK_MS);
    // Both were placed on a READY channel.
    expect(phasesMs.connectWait.p99).toBe(0);
    // Each one's headers came with its reply, after the server's delay.
    expect(phasesMs.headers.p50!).toBeGreaterThanOrEqual(SLOW_DELAY_MS - TIMER_SLACK_MS);
    expect(phasesMs.call).toEqual(latencyMs);
    // B, the slowest call, took its slot wait and then at least the quicker of the two header waits.
    expect(latencyMs.p99!).toBeGreaterThanOrEqual(phasesMs.slotWait.p99! + phasesMs.headers.p50!);
  });

  const DRAIN_TIMEOUT_MS = 150;
  it.each([
    ['the drain runs out of time', 'drain'],
    ['its request stream fails', 'requests'],
  ])('counts the queue wait of a call that fails while queued because %s', async (_why, how) => {
    pool = createEchoPool(server.address, {
      pool: { maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
    });
    const echo = pool.getService<EchoService>('EchoService');
    // The holder keeps the only slot until its request stream ends (or the drain cancels it).
    const holdRequests = new Subject<{ message: string }>();
    const holder = firstValueFrom(echo.collect(holdRequests)).catch(() => undefined);
    const requests = new Subject<{ message: string }>();
    const queued = failure(firstValueFrom(echo.collect(requests)));
    try {
      expect(pool.stats().queued).toBe(1);
      // The queued call waits at least until the holder has reached the server.
      await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the holder to reach the server');
      expect(pool.stats().phasesMs.slotWait.p99).toBe(0);
      if (how === 'drain') void pool.close();
      else requests.error(new Error('the request stream broke'));
      await queued;
    } finally {
      holdRequests.complete();
      await holder;
    }
    const { slotWait } = pool.stats().phasesMs;
    // The holder's 0 and the queued call's wait, which a drain holds for its whole timeout.
    expect(slotWait.p50).toBe(0);
    expect(slotWait.p99!).toBeGreaterThan(0);
    if (how === 'drain') {
      expect(slotWait.p99!).toBeGreaterThanOrEqual(DRAIN_TIMEOUT_MS - TIMER_SLACK_MS);
    }
    await waitFor(() => server.active === 0, HANG_GUARD_MS, 'the holder to end on the server');
  });

  it('times the wait for a connection that comes up late', async () => {
    const port = await freePort();
    pool = createEchoPool(`127.0.0.1:${port}`, {
      defaultCallOptions: { waitForReady: true, timeoutMs: 3 * HANG_GUARD_MS },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // Nothing listens yet: the call waits for the channel, which connects once a server is up.
    const call = firstValueFrom(echo.echo({ message: 'late' }));
    await waitFor(
      () => pool!.stats().channels.some((channel) => channel.state === 'TRANSIENT_FAILURE'),
      HANG_GUARD_MS,
      'a refused connection',
    );
    const late = await startEchoServer({ port });
    try {
      expect((await call).message).toBe('late');
      const { connectWait, slotWait } = pool.stats().phasesMs;
      const { latencyMs } = pool.stats();
      // The one attempt waited for a connection (not for a slot), and that wait is part of the call.
      expect(slotWait.p99).toBe(0);
      expect(connectWait.p50!).toBeGreaterThan(0);
      expect(connectWait.p50!).toBeLessThanOrEqual(latencyMs.p50!);
    } finally {
      await closeTestPool(pool, late);
      pool = undefined;
    }
  });
});
