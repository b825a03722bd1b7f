import { afterAll, describe, it } from '@jest/globals';
import { checkSequences } from '../support/property/property-runner.js';
import { deferred, runSequence } from '../support/property/run-sequence.js';

// Random sequences of calls (four kinds, two facades), deadlines, aborts, server failures, odd
// wire statuses, resets, holds, a backend dying and coming back, and close(), against a real
// pool on a real server; after each sequence, the invariants of run-sequence.ts. A bounded
// budget here; test/heavy/property/ runs the same harness longer. A failure prints its replay.
const BUDGET = { numRuns: 20, maxOperations: 20, timeLimitMs: 40_000 };

describe('pool invariants under random operations', () => {
  afterAll(() => {
    // Checks that are off until their fix lands (invariants.ts) still say what they saw.
    if (deferred.length > 0)
      process.stdout.write(`deferred findings:\n  ${deferred.join('\n  ')}\n`);
  });

  it('every call settles once, with an allowed code; counts add up; caps hold; close() leaves nothing', async () => {
    await checkSequences('pool-invariants', BUDGET, runSequence);
  }, 120_000);
});
