import { status } from '@grpc/grpc-js';
import type { GrpcPool } from '../../../lib/index.js';
import { settlesWithin } from '../hang-guard.js';
import { waitFor } from '../wait-for.js';
import { CallRecord } from './call-record.js';
import { describeOperation, type CallKind, type CallOperation, type Facade } from './operations.js';
import { CALLS_PER_CHANNEL } from './pool-config.js';
import { startCall, type Facades } from './start-call.js';

/**
 * The liveness invariant: once a backend serves again and nothing holds the calls any more, the
 * pool is not stuck. A probe call of each kind, through each facade, ends OK; none waits for
 * ever on a channel that will never serve. Timing-free: before each probe the pool shows a
 * READY channel that takes new calls (not retiring) with a free slot; the probe's own deadline is only a hang guard, and a stuck
 * probe ends DEADLINE_EXCEEDED with it. A pool with no channel at all (minChannels 0) shows
 * none until a call opens one: an opener call does, and may fail UNAVAILABLE at once (its
 * channel may be on a backend that is down: with outlier detection off, only the subset's
 * moves take the pool to the one that serves), but it too must settle well within its deadline.
 */

/** The probe's deadline: far past anything a serving pool takes; only a stuck pool reaches it. */
const PROBE_DEADLINE_MS = 10_000;
/** Bounds each wait for readiness, and each probe past its own deadline. */
const HANG_GUARD_MS = 20_000;

const KINDS: CallKind[] = ['unary', 'serverStream', 'clientStream', 'bidi'];
const FACADES: Facade[] = ['observable', 'async'];

/** Whether a new call can start at once: a READY channel that takes calls, with a free slot. */
const serving = (pool: GrpcPool): boolean =>
  pool
    .stats()
    .channels.some(
      (c) => c.state === 'READY' && c.retiring !== true && c.inFlight < CALLS_PER_CHANNEL,
    );

/** Serving; or no channel at all, so that a call must open one: the opener goes then. */
const servingOrEmpty = (pool: GrpcPool): boolean =>
  serving(pool) || pool.stats().channels.length === 0;

const probeOperation = (facade: Facade, kind: CallKind): CallOperation => ({
  op: 'call',
  facade,
  kind,
  behaviour: { is: 'ok' },
  deadline: { is: 'valid', timeoutMs: PROBE_DEADLINE_MS, label: 'generous' },
  abort: 'none',
});

/** Starts one probe, adds its record to `records`, and waits (hang-guarded) until it settles. */
async function makeProbe(
  facades: Facades,
  records: CallRecord[],
  operation: CallOperation,
  description: string,
  allowed: [number, string][],
): Promise<CallRecord> {
  const record = new CallRecord(records.length, operation, description, undefined);
  for (const [code, why] of allowed) record.allow(code, why);
  record.fixed = true;
  records.push(record);
  startCall(facades, record, { timeoutMs: PROBE_DEADLINE_MS });
  // One that never settles is reported by the run's invariants.
  await settlesWithin(record.settled, HANG_GUARD_MS, 'a probe').catch(() => undefined);
  return record;
}

/** Waits until the pool serves; opens a channel with an opener call while it has none. */
async function untilServing(
  pool: GrpcPool,
  facades: Facades,
  records: CallRecord[],
  after: string,
): Promise<boolean> {
  const giveUpAt = performance.now() + HANG_GUARD_MS;
  while (performance.now() < giveUpAt) {
    const left = giveUpAt - performance.now();
    const seen = await waitFor(() => servingOrEmpty(pool), left, 'a READY channel').then(
      () => true,
      () => false,
    );
    if (!seen) return false;
    if (serving(pool)) return true;
    const operation = probeOperation('observable', 'unary');
    const opener = await makeProbe(
      facades,
      records,
      operation,
      `liveness opener after ${after}: ${describeOperation(operation)}`,
      [
        [status.OK, 'it opens a channel'],
        [status.UNAVAILABLE, 'the channel it opens may be on a backend that is down'],
      ],
    );
    if (!opener.isSettled) return false;
  }
  return false;
}

const describeChannels = (pool: GrpcPool): string =>
  pool
    .stats()
    .channels.map(
      (c) =>
        `${c.target} ${c.state} (${c.inFlight} in flight` +
        `${c.ejected === true ? ', ejected' : ''}${c.retiring === true ? ', retiring' : ''})`,
    )
    .join(', ') || 'none';

/**
 * Makes the probes one after another, each once the pool shows it can serve; adds their
 * records to `records` (the run's invariants check them: settled once, OK only) and returns
 * what went wrong on the way (a pool that never became ready).
 */
export async function probeLiveness(
  pool: GrpcPool,
  facades: Facades,
  records: CallRecord[],
  after: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const facade of FACADES) {
    for (const kind of KINDS) {
      if (!(await untilServing(pool, facades, records, after))) {
        problems.push(
          `liveness after ${after}: no READY channel with a free slot within ${HANG_GUARD_MS} ms ` +
            `(channels: ${describeChannels(pool)})`,
        );
        return problems;
      }
      const operation = probeOperation(facade, kind);
      const record = await makeProbe(
        facades,
        records,
        operation,
        `liveness probe after ${after}: ${describeOperation(operation)}`,
        [[status.OK, 'the pool showed a READY channel with a free slot']],
      );
      if (record.outcome?.code !== status.OK) {
        problems.push(`liveness after ${after}: channels then: ${describeChannels(pool)}`);
        return problems;
      }
    }
  }
  return problems;
}
