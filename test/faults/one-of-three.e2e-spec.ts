import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../support/echo-process.js';
import { steadyLoad } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** A bound on each wait below; the waits are for events, this only stops a hang. */
const HANG_GUARD_MS = 20_000;
const CALLERS = 12;

describe('fault: one of three backends dies under load', () => {
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, { close: killEchoProcesses });
    pool = undefined;
  });

  it('at most the calls in flight on it fail; the other two serve the rest', async () => {
    const backends = await Promise.all([
      startEchoProcess(),
      startEchoProcess(),
      startEchoProcess(),
    ]);
    pool = createEchoPool(
      backends.map((b) => b.address),
      { pool: { maxChannels: 3 } },
    );
    const load = steadyLoad(pool.getService<EchoService>('EchoService'), CALLERS);
    const dead = backends[1].address;
    const channelTo = (target: string) => pool!.stats().channels.filter((c) => c.target === target);
    // Steady: every backend's channel is carrying calls.
    await waitFor(
      () => pool!.stats().channels.every((c) => c.calls >= CALLERS),
      HANG_GUARD_MS,
      'every backend to carry calls',
    );

    const killed = load.mark();
    await backends[1].kill();
    await waitFor(
      () => channelTo(dead).every((c) => c.state !== 'READY'),
      HANG_GUARD_MS,
      'the pool to see the backend gone',
    );
    const seen = load.mark();
    await waitFor(
      () => load.records.filter((r) => r.ok && r.startedSeq > seen).length >= 10 * CALLERS,
      HANG_GUARD_MS,
      'traffic to continue on the two others',
    );
    const records = await load.stop();
    const failed = records.filter((r) => !r.ok);
    // Nothing failed before the kill.
    expect(failed.filter((r) => r.endedSeq < killed)).toEqual([]);
    // Only calls already on the dead backend can fail: never more than the callers at once.
    expect(failed.length).toBeLessThanOrEqual(CALLERS);
    // Once the pool has seen it gone, no call is sent its way.
    expect(failed.filter((r) => r.startedSeq > seen)).toEqual([]);
    expect(channelTo(dead).map((c) => c.state)).not.toContain('READY');
    expect(pool.state).toBe('degraded');
  });
});
