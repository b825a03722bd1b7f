import { describe, it } from '@jest/globals';
import { DNS_FLEET, SINGLE_BACKEND } from './flavours.js';
import { checkSequences, type PropertyBudget } from './property-runner.js';
import { RunCoverage } from './run-coverage.js';
import { runSequence } from './run-sequence.js';

/**
 * The property tests of both tiers: random sequences of calls (four kinds, two facades),
 * deadlines, aborts, server failures and odd statuses, resets, holds, backends dying and coming
 * back, DNS answers moving, and close(), against a real pool on real servers; after each sequence,
 * the invariants of run-sequence.ts. Only the budget differs between tiers. A failure prints its
 * replay (GRPC_POOL_PROPERTY_SEED / _PATH).
 */
export function describePoolInvariants(
  title: string,
  budget: PropertyBudget,
  testTimeoutMs: number,
  /** Tells the seed log's entries of this tier apart. */
  logSuffix = '',
): void {
  describe(title, () => {
    it(
      'one backend: every call settles once with an allowed code; counts add up; caps hold; close() leaves nothing',
      async () => {
        const coverage = new RunCoverage();
        await checkSequences(
          `single-backend${logSuffix}`,
          budget,
          (scenario) => runSequence(SINGLE_BACKEND, scenario, coverage),
          coverage,
        );
      },
      testTimeoutMs,
    );

    it(
      'a DNS fleet whose answer moves: the same invariants, maxChannels and the slots included',
      async () => {
        const coverage = new RunCoverage();
        await checkSequences(
          `dns-fleet${logSuffix}`,
          { ...budget, fleetSize: DNS_FLEET.fleetSize },
          (scenario) => runSequence(DNS_FLEET, scenario, coverage),
          coverage,
        );
      },
      testTimeoutMs,
    );
  });
}
