import type { GrpcPool } from '../../lib/index.js';
import { expectCountsAddUp } from './counts-add-up.js';

/**
 * Ends what a test opened, and waits for all of it: the pool starts its
 * drain, the servers shut down (which ends any call the test left running,
 * so the drain is short), then the drain is awaited. Nothing outlives the test.
 * Once nothing is in flight, the pool's counts must add up: every test that
 * ends its pool here checks the invariant, so drift is caught wherever it appears.
 */
export async function closeTestPool(
  pool: GrpcPool | undefined,
  ...servers: ({ close(): Promise<void> } | undefined)[]
): Promise<void> {
  const draining = pool?.close();
  await Promise.all(servers.map((server) => server?.close()));
  await draining;
  if (pool !== undefined) await expectCountsAddUp(pool);
}
