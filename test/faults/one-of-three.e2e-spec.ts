import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../support/echo-process.js';
import { steadyLoad } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

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
    const callers = 12;
    const load = steadyLoad(pool.getService<EchoService>('EchoService'), callers);
    await waitFor(() => load.records.filter((r) => r.ok).length > 300, 5000, 'steady traffic');

    await backends[1].kill();
    const killedAt = Date.now();
    await waitFor(
      () => load.records.filter((r) => r.ok && r.startedAt > killedAt).length > 300,
      5000,
      'traffic to continue on the two others',
    );
    const records = await load.stop();
    const failed = records.filter((r) => !r.ok);
    // Only calls already on the dead backend can fail: never more than the callers at once.
    expect(failed.length).toBeLessThanOrEqual(callers);
    expect(failed.every((r) => r.startedAt <= killedAt + 100)).toBe(true);
    const channels = pool.stats().channels;
    expect(channels.filter((c) => c.target === backends[1].address)[0].state).not.toBe('READY');
    expect(pool.state).toBe('degraded');
  });
});
