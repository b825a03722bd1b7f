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
 * pool is not stuck. A probe call of each kind ends OK (the facades take turns); none waits for
 * ever on a channel that will never serve. Timing-free: before each probe the pool shows a
 * READY channel that takes new calls (not retiring) with a free slot; the probe's own deadline
 * is only a hang guard, and a stuck probe ends DEADLINE_EXCEEDED with it. A pool that shows no such channel (minChannels 0, or
 * its channels on backends still down or ejected) may not connect until a call asks: opener
 * calls do, and may fail UNAVAILABLE at once (the channel they open or find may be on a
 * backend that is down), but they too must settle well within their deadline.
 */

/** The probe's deadline: far past anything a serving pool takes; only a stuck pool reaches it. */
const PROBE_DEADLINE_MS = 10_000;
/** Bounds each wait for readiness, and each probe past its own deadline. */
const HANG_GUARD_MS = 20_000;
/** Between two opener calls: time for the pool to connect the channel the last one asked for. */
const OPENER_PACE_MS = 100;

const KINDS: CallKind[] = ['unary', 'serverStream', 'clientStream', 'bidi'];
const FACADES: Facade[] = ['observable', 'async'];

/** Whether a new call can start at once: a READY channel that takes calls, with a free slot. */
const serving = (pool: GrpcPool): boolean =>
  pool
    .stats()
    .channels.some(
      (c) => c.state === 'READY' && c.retiring !== true && c.inFlight < CALLS_PER_CHANNEL,
    );

const describeChannels = (pool: GrpcPool): string =>
  pool
    .stats()
    .channels.map(
      (c) =>
        `${c.target} ${c.state} (${c.inFlight} in flight` +
        `${c.ejected === true ? ', ejected' : ''}${c.retiring === true ? ', retiring' : ''})`,
    )
    .join(', ') || 'none';

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

/**
 * Waits until the pool serves. A pool opens and reconnects channels when calls ask for them:
 * while it shows none that serves (none at all with minChannels 0; or only channels on dead or
 * ejected backends, with room to grow), opener calls ask, one at a time, each given a moment to
 * let the pool connect before the next. Whether the pool became ready is returned.
 */
async function untilServing(
  pool: GrpcPool,
  facades: Facades,
  records: CallRecord[],
  after: string,
): Promise<boolean> {
  const giveUpAt = performance.now() + HANG_GUARD_MS;
  while (!serving(pool)) {
    if (performance.now() > giveUpAt) return false;
    const operation = probeOperation('observable', 'unary');
    const opener = await makeProbe(
      facades,
      records,
      operation,
      `liveness opener after ${after}: ${describeOperation(operation)}`,
      [
        [status.OK, 'it found or opened a channel that serves'],
        [status.UNAVAILABLE, 'it may have found or opened a channel on a backend that is down'],
      ],
    );
    // Stuck (or worse): the run's invariants report it.
    if (opener.outcome === undefined || !opener.allowed.has(opener.outcome.code)) return false;
    // Pacing, not a verdict: the next opener comes once the pool serves, or after this.
    await waitFor(() => serving(pool), OPENER_PACE_MS, 'a READY channel').catch(() => undefined);
  }
  return true;
}

/**
 * Makes the probes one after another, each once the pool shows it can serve; adds their
 * records to `records` (the run's invariants check them: settled once, OK only) and returns
 * what went wrong on the way (a pool that never became ready). `round` picks which facade
 * each kind goes through, so two rounds cover every kind through both.
 */
export async function probeLiveness(
  pool: GrpcPool,
  facades: Facades,
  records: CallRecord[],
  after: string,
  round: number,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, kind] of KINDS.entries()) {
    const facade = FACADES[(i + round) % FACADES.length];
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
  return problems;
}
