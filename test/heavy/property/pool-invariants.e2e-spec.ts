import { afterAll, describe, it } from '@jest/globals';
import { checkSequences } from '../../support/property/property-runner.js';
import { DNS_FLEET, SINGLE_BACKEND } from '../../support/property/flavours.js';
import { deferred, runSequence } from '../../support/property/run-sequence.js';

// The same harness as test/property/pool-invariants.e2e-spec.ts, with a bigger budget: more
// sequences, longer ones. A failure prints its replay (GRPC_POOL_PROPERTY_SEED / _PATH).
const BUDGET = { numRuns: 150, maxOperations: 40, timeLimitMs: 50_000 };
const TEST_TIMEOUT_MS = 115_000;

describe('pool invariants under random operations (heavy)', () => {
  afterAll(() => {
    if (deferred.length > 0)
      process.stdout.write(`deferred findings:\n  ${deferred.join('\n  ')}\n`);
  });

  it(
    'one backend: every call settles once with an allowed code; counts add up; caps hold; close() leaves nothing',
    async () => {
      await checkSequences('single-backend-heavy', BUDGET, (ops) =>
        runSequence(SINGLE_BACKEND, ops),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a DNS fleet whose answer moves: the same invariants (the caps once CHECK_CAPS_WITH_DNS is on)',
    async () => {
      await checkSequences(
        'dns-fleet-heavy',
        { ...BUDGET, fleetSize: DNS_FLEET.fleetSize },
        (ops) => runSequence(DNS_FLEET, ops),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
