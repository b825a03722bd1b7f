import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, Subject } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { callOutcome } from '../support/call-outcome.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freezePolicyClock, type PolicyClock } from '../support/policy-clock.js';
import { poolPeaks } from '../support/pool-peaks.js';
import { waitFor } from '../support/wait-for.js';

// A pool at maxChannels has no room for a rotating channel's successor, so
// the channel retires first. When every channel comes of age together while
// long streams hold them, retiring them all would leave new calls nowhere to
// go until a stream ends: they would wait, then fail RESOURCE_EXHAUSTED. The
// last channel serving keeps serving until another does, and the pool never
// holds more than its cap.

/** A bound on each wait below, and on the queue wait; the waits are for events. */
const HANG_GUARD_MS = 10_000;
const MAX_AGE_MS = 250;

const codeOf = (error: unknown): number => (error as { code: number }).code;

describe('rotation at maxChannels while long streams hold every channel', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;
  let clock: PolicyClock | undefined;
  const peaks = poolPeaks();

  afterEach(async () => {
    peaks.stop();
    clock?.restore();
    clock = undefined;
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
  });

  it('new calls still run while the streams last; each channel rotates, within the cap, once it can', async () => {
    server = await startEchoServer();
    clock = freezePolicyClock();
    pool = createEchoPool(server.address, {
      pool: {
        minChannels: 2,
        maxChannels: 2,
        maxConnectionAgeMs: MAX_AGE_MS,
        // A call that found no slot would wait this long: far past anything the test waits for.
        acquireTimeoutMs: HANG_GUARD_MS,
      },
      interceptors: [peaks.interceptor],
    });
    peaks.start(pool);
    const echo = pool.getService<EchoService>('EchoService');
    await waitFor(
      () => pool!.stats().channels.every((c) => c.state === 'READY'),
      HANG_GUARD_MS,
      'both channels to be READY',
    );
    // One long stream on each channel.
    const streams = [new Subject<{ message: string }>(), new Subject<{ message: string }>()];
    const outcomes = streams.map((requests) => callOutcome(echo.chat(requests)));
    await waitFor(
      () => pool!.stats().channels.every((c) => c.inFlight === 1),
      HANG_GUARD_MS,
      'a stream on each channel',
    );

    // Both come of age in the same sweep: the first rotation is logged once that sweep is done.
    clock.advance(MAX_AGE_MS);
    await waitFor(
      () => peaks.logs.some((line) => line.includes('reached maxConnectionAgeMs')),
      HANG_GUARD_MS,
      'the age sweep to rotate a channel',
    );
    // One retires (it closes once its stream ends); the other keeps taking new calls.
    expect(
      pool
        .stats()
        .channels.map((c) => c.retiring === true)
        .sort(),
    ).toEqual([false, true]);
    const during = await Promise.allSettled(
      Array.from({ length: 4 }, () => firstValueFrom(echo.echo({ message: 'during' }))),
    );
    expect(during.map((o) => (o.status === 'fulfilled' ? 'OK' : status[codeOf(o.reason)]))).toEqual(
      Array(4).fill('OK'),
    );

    for (const requests of streams) requests.complete();
    const ended = await Promise.all(outcomes);
    expect(ended.map((o) => [o.completed, o.error?.code, o.settlements])).toEqual([
      [true, undefined, 1],
      [true, undefined, 1],
    ]);
    // Each channel rotates once nothing holds it: the server sees two new connections.
    await waitFor(
      async () => {
        await firstValueFrom(echo.echo({ message: 'after' }));
        return server!.peers.size === 4;
      },
      HANG_GUARD_MS,
      'both channels to have rotated',
    );
    expect(pool.stats().calls.failed).toBe(0);
    expect(peaks.peaks.channels).toBe(2);
  });
});
