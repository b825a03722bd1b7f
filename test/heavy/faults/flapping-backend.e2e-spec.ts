import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../../lib/index.js';
import { callOutcome } from '../../support/call-outcome.js';
import { closeTestPool } from '../../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../../support/echo-client.js';
import { startFlappingBackend, type FlappingBackend } from '../../support/flapping-backend.js';
import { flappingLoad } from '../../support/flapping-load.js';
import { waitFor } from '../../support/wait-for.js';
import { settlesWithin } from '../../support/hang-guard.js';

const MAX_CHANNELS = 4;
const DEADLINE_MS = 1000;
/** Deaths to sit through: the scenario is statistical, so it runs until enough of them happened. */
const DEATHS = 6;
/** Bounds every wait below (and the calls' settling, 10x their deadline); never reached unless something hangs. */
const HANG_GUARD_MS = 10 * DEADLINE_MS;
/** Statuses a call may end with while its backend flaps: it died (UNAVAILABLE) or its deadline passed. */
const EXPECTED_FAILURES = ['DEADLINE_EXCEEDED', 'UNAVAILABLE'];

/**
 * Statistical: 32 callers against a backend that dies every 500 ms. It passes
 * or fails on counts and invariants, never on how long anything took (the
 * deadline overshoot is a figure `npm run flapping` prints). The same
 * guarantees, one death at a time, are in test/faults/backend-dies-mid-call.
 */
describe('fault: the backend dies and comes back every 500 ms under 32 callers', () => {
  let pool: GrpcPool | undefined;
  let backend: FlappingBackend | undefined;
  let sampler: NodeJS.Timeout | undefined;

  afterEach(async () => {
    clearInterval(sampler);
    await closeTestPool(pool, backend && { close: () => backend!.stop() });
    pool = undefined;
    backend = undefined;
  });

  it('every call settles once, none succeeds without its messages, the pool stays in bounds, and it recovers', async () => {
    backend = await startFlappingBackend({ killEveryMs: 500 });
    pool = createEchoPool(backend.address, { pool: { maxChannels: MAX_CHANNELS } });
    let mostChannels = 0;
    sampler = setInterval(() => {
      mostChannels = Math.max(mostChannels, pool!.stats().channels.length);
    }, 10);
    const load = flappingLoad(pool.getService<EchoService>('EchoService'), {
      callers: 32,
      timeoutMs: DEADLINE_MS,
      streamLength: 5,
      intervalMs: 20,
      settleGraceMs: HANG_GUARD_MS,
    });
    await waitFor(() => backend!.kills >= DEATHS, DEATHS * HANG_GUARD_MS, `${DEATHS} deaths`);
    const figures = await load.stop();
    await backend.calm();

    // The scenario happened: calls both failed and succeeded.
    expect(figures.ok).toBeGreaterThan(0);
    expect(Object.keys(figures.failed).length).toBeGreaterThan(0);
    // The guards, in one assertion so a failure prints every figure: every success delivered
    // exactly the messages it asked for (1 for unary, 5 per stream); every call settled, once;
    // failures are the fault's own statuses; every call is counted once.
    const failedCalls = Object.values(figures.failed).reduce((sum, n) => sum + n, 0);
    expect({
      ...figures,
      unexpectedFailures: Object.keys(figures.failed).filter(
        (name) => !EXPECTED_FAILURES.includes(name),
      ),
      countedOnce: figures.calls === figures.ok + failedCalls + figures.unsettled,
      mostChannels,
      // maxChannels bounds every channel the pool holds: a replaced channel's successor opens
      // first only where there is room, else it waits for the old one to drain.
      withinBounds: mostChannels <= MAX_CHANNELS,
    }).toEqual(
      expect.objectContaining({
        successesWithoutMessages: 0,
        unsettled: 0,
        settledMoreThanOnce: 0,
        unexpectedFailures: [],
        countedOnce: true,
        withinBounds: true,
      }),
    );

    // Recovered: with the backend serving again, the next call succeeds with all its messages.
    const echo = pool.getService<EchoService>('EchoService');
    const after = await settlesWithin(
      callOutcome(
        echo.count({ count: 5, intervalMs: 0 }, undefined, {
          timeoutMs: HANG_GUARD_MS,
          waitForReady: true,
        }),
      ),
      HANG_GUARD_MS,
      'the call after the backend is back',
    );
    expect(after).toMatchObject({ completed: true, error: undefined, settlements: 1 });
    expect(after.messages).toHaveLength(5);
    // Nothing leaked: the channels being replaced closed, and the pool is back within maxChannels.
    await waitFor(
      () => pool!.stats().channels.length <= MAX_CHANNELS && pool!.state === 'ready',
      HANG_GUARD_MS,
      'replaced channels to close',
    );
  });
});
