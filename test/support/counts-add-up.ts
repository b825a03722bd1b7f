import type { GrpcPool } from '../../lib/index.js';
import { waitFor } from './wait-for.js';

/**
 * The invariant `calls.started = ok + failed` whenever nothing is in flight.
 * Waits (bounded) for calls still settling, e.g. callback-style calls whose
 * cancel reports its status a moment later, then fails with the counts.
 */
export async function expectCountsAddUp(pool: GrpcPool, timeoutMs = 2000): Promise<void> {
  const addsUp = (): boolean => {
    const { calls, inFlight, queued } = pool.stats();
    return inFlight === 0 && queued === 0 && calls.started === calls.ok + calls.failed;
  };
  try {
    await waitFor(addsUp, timeoutMs);
  } catch {
    const { calls, inFlight, queued } = pool.stats();
    throw new Error(
      `gRPC pool ${pool.stats().name}: counts do not add up with nothing in flight: ` +
        `started ${calls.started} != ok ${calls.ok} + failed ${calls.failed} ` +
        `(inFlight ${inFlight}, queued ${queued}, byCode ${JSON.stringify(calls.byCode)})`,
    );
  }
}
