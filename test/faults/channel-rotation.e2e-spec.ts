import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, Subject } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { callOutcome } from '../support/call-outcome.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freezePolicyClock, type PolicyClock } from '../support/policy-clock.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** A bound on each wait below; the waits are for events, this only stops a hang. */
const HANG_GUARD_MS = 10_000;
const MAX_AGE_MS = 250;
/** The recycle backoff's first wait (lib/pool/recycle-backoff.ts; its timing is unit-tested there). */
const FIRST_RECYCLE_WAIT_MS = 1000;

describe('channel rotation and recycling', () => {
  let server: EchoServer;
  let pool: GrpcPool | undefined;
  let clock: PolicyClock | undefined;

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await closeTestPool(pool, server);
    pool = undefined;
  });

  /** Calls Echo until `done()` holds (each call is one event to wait on); returns how many failed. */
  async function callUntil(echo: EchoService, done: () => boolean, what: string): Promise<number> {
    let failed = 0;
    await waitFor(
      async () => {
        await firstValueFrom(echo.echo({ message: 'x' })).catch(() => failed++);
        return done();
      },
      HANG_GUARD_MS,
      what,
    );
    return failed;
  }

  it('maxConnectionAgeMs rotates connections without failing a call, even one in flight', async () => {
    server = await startEchoServer();
    clock = freezePolicyClock();
    pool = createEchoPool(server.address, { pool: { maxConnectionAgeMs: MAX_AGE_MS } });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'warm' }));
    // A call that stays open on the first connection until the test ends it.
    const requests = new Subject<{ message: string }>();
    const longCall = callOutcome(echo.chat(requests));
    const peerOfLongCall = (await firstValueFrom(echo.echo({ message: 'peer' }))).peer;
    requests.next({ message: 'first' });

    // Three times: the channel comes of age, its successor connects, and new calls move to it.
    for (let rotation = 1; rotation <= 3; rotation++) {
      clock.advance(MAX_AGE_MS);
      const failed = await callUntil(
        echo,
        () => server.peers.size === 1 + rotation,
        `rotation ${rotation} to reach the server`,
      );
      expect(failed).toBe(0);
    }

    // The channel it started on retired meanwhile; it still finished normally, on its own connection.
    requests.next({ message: 'last' });
    requests.complete();
    const outcome = await longCall;
    expect(outcome.messages.map((m) => [m.message, m.peer])).toEqual([
      ['echo:first', peerOfLongCall],
      ['echo:last', peerOfLongCall],
    ]);
    expect(outcome).toMatchObject({ completed: true, error: undefined, settlements: 1 });
    expect(pool.stats().calls.failed).toBe(0);
    // Each retired channel closed once its last call was done: only the newest is left.
    await waitFor(
      () => pool!.stats().channels.length === 1,
      HANG_GUARD_MS,
      'retired channels to close',
    );
  });

  it('a READY channel failing every call is recycled, with backoff, never in a tight loop', async () => {
    server = await startEchoServer();
    server.failEverything(status.UNAVAILABLE);
    // The backoff's wait ends when the test moves the clock, not when a loaded machine gets there.
    clock = freezePolicyClock();
    pool = createEchoPool(server.address, { defaultCallOptions: { retry: false } });
    const echo = pool.getService<EchoService>('EchoService');
    await waitFor(() => pool!.state === 'ready', HANG_GUARD_MS, 'the pool to be ready');
    // The first five failures in a row recycle the channel at once: its successor takes the calls.
    await callUntil(echo, () => server.peers.size === 2, 'the first replacement');
    // The successor fails just as much, but the backoff holds: no new connection however many fail.
    for (let i = 0; i < 40; i++) await firstValueFrom(echo.echo({})).catch(() => undefined);
    expect(server.peers.size).toBe(2);
    // Past the first wait, one more replacement; the next wait is longer, so only one.
    clock.advance(FIRST_RECYCLE_WAIT_MS);
    await callUntil(echo, () => server.peers.size === 3, 'the second replacement');
    for (let i = 0; i < 40; i++) await firstValueFrom(echo.echo({})).catch(() => undefined);
    expect(server.peers.size).toBe(3);
    server.failEverything(undefined);
    expect((await firstValueFrom(echo.echo({ message: 'ok' }))).message).toBe('ok');
  });
});
