import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../support/echo-process.js';
import { freePort } from '../support/free-port.js';
import { steadyLoad } from '../support/steady-load.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

describe('fault: the backend is killed (SIGKILL) and restarted on the same port under load', () => {
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, { close: killEchoProcesses });
    pool = undefined;
  });

  it('calls fail fast while it is down, the pool reconnects, and every call after recovery succeeds', async () => {
    const port = await freePort();
    const backend = await startEchoProcess(port);
    pool = createEchoPool(backend.address, { pool: { minChannels: 2 } });
    const load = steadyLoad(pool.getService<EchoService>('EchoService'), 16);
    await waitFor(() => load.records.filter((r) => r.ok).length > 200, 5000, 'steady traffic');

    await backend.kill();
    const killedAt = Date.now();
    await sleep(500);
    await startEchoProcess(port);
    const restartedAt = Date.now();
    await waitFor(
      () => load.records.some((r) => r.ok && r.startedAt > restartedAt),
      5000,
      'a call to succeed after the restart',
    );
    const recoveredAt = load.records.find((r) => r.ok && r.startedAt > restartedAt)!.endedAt;
    await sleep(500);
    const records = await load.stop();

    const failed = records.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    // Fail fast: nobody waited for their 1 s deadline while the backend was down.
    expect(Math.max(...failed.map((r) => r.endedAt - r.startedAt))).toBeLessThan(500);
    // After the first success following the restart, nothing failed.
    expect(records.filter((r) => !r.ok && r.startedAt >= recoveredAt)).toEqual([]);
    expect(recoveredAt - restartedAt).toBeLessThan(3000);
    expect(failed.every((r) => r.startedAt >= killedAt - 1000)).toBe(true);
  });
});
