import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../support/echo-process.js';
import { freePort } from '../support/free-port.js';
import { steadyLoad } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/**
 * Every call's deadline: so long that a call ending with DEADLINE_EXCEEDED
 * waited for the backend, and one ending UNAVAILABLE failed fast. A hang guard, never reached.
 */
const CALL_HANG_GUARD_MS = 20_000;
/** A bound on each wait below (a process restart costs ~1 s of CPU). */
const HANG_GUARD_MS = 20_000;
const CALLERS = 16;

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
    const load = steadyLoad(
      pool.getService<EchoService>('EchoService'),
      CALLERS,
      CALL_HANG_GUARD_MS,
    );
    const ok = () => load.records.filter((r) => r.ok).length;
    await waitFor(() => ok() >= 4 * CALLERS, HANG_GUARD_MS, 'traffic to flow');

    const killed = load.mark();
    await backend.kill();
    // Down is down: wait until the pool says so and calls have failed against it.
    await waitFor(
      () => pool!.state === 'down' && load.records.some((r) => !r.ok && r.startedSeq > killed),
      HANG_GUARD_MS,
      'calls to fail while the backend is down',
    );
    const restarted = load.mark();
    await startEchoProcess(port);
    await waitFor(
      () => load.records.some((r) => r.ok && r.startedSeq > restarted),
      HANG_GUARD_MS,
      'a call to succeed after the restart',
    );
    const recovered = load.records.find((r) => r.ok && r.startedSeq > restarted)!.endedSeq;
    await waitFor(
      () => load.records.filter((r) => r.startedSeq > recovered).length >= 4 * CALLERS,
      HANG_GUARD_MS,
      'traffic after the recovery',
    );
    const records = await load.stop();

    const failed = records.filter((r) => !r.ok);
    // Nothing failed before the kill: every failure ended after it.
    expect(failed.filter((r) => r.endedSeq < killed)).toEqual([]);
    // Fail fast: every failure is UNAVAILABLE; none waited out its (very long) deadline.
    expect(new Set(failed.map((r) => status[r.code!]))).toEqual(new Set(['UNAVAILABLE']));
    // After the first success following the restart, nothing failed.
    expect(records.filter((r) => !r.ok && r.startedSeq > recovered)).toEqual([]);
    expect(pool.stats().calls).toMatchObject({
      started: records.length,
      ok: records.length - failed.length,
    });
  });
});
