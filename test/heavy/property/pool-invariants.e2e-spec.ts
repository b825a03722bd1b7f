import { afterAll, describe, it } from '@jest/globals';
import { checkSequences } from '../../support/property/property-runner.js';
import { deferred, runSequence } from '../../support/property/run-sequence.js';

// The same harness as test/property/pool-invariants.e2e-spec.ts, with a bigger budget: more
// sequences, longer ones. A failure prints its replay (GRPC_POOL_PROPERTY_SEED / _PATH).
const BUDGET = { numRuns: 200, maxOperations: 40, timeLimitMs: 100_000 };

describe('pool invariants under random operations (heavy)', () => {
  afterAll(() => {
    if (deferred.length > 0)
      process.stdout.write(`deferred findings:\n  ${deferred.join('\n  ')}\n`);
  });

  it('every call settles once, with an allowed code; counts add up; caps hold; close() leaves nothing', async () => {
    await checkSequences('pool-invariants-heavy', BUDGET, runSequence);
  }, 115_000);
});
