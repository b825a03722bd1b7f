import { afterAll, describe, it } from '@jest/globals';
import { DNS_FLEET, SINGLE_BACKEND } from '../support/property/flavours.js';
import { checkSequences } from '../support/property/property-runner.js';
import { deferred, runSequence } from '../support/property/run-sequence.js';

// Random sequences of calls (four kinds, two facades), deadlines, aborts, server failures,
// resets, holds, backends dying and coming back, DNS answers moving, and close(), against a real
// pool on real servers; after each sequence, the invariants of run-sequence.ts. A bounded budget
// here; test/heavy/property/ runs the same harness longer. A failure prints its replay.
const BUDGET = { numRuns: 20, maxOperations: 20, timeLimitMs: 40_000 };
const TEST_TIMEOUT_MS = 60_000;

describe('pool invariants under random operations', () => {
  afterAll(() => {
    // Checks that are off until their fix lands (invariants.ts) still say what they saw.
    if (deferred.length > 0)
      process.stdout.write(`deferred findings:\n  ${deferred.join('\n  ')}\n`);
  });

  it(
    'one backend: every call settles once with an allowed code; counts add up; caps hold; close() leaves nothing',
    async () => {
      await checkSequences('single-backend', BUDGET, (ops) => runSequence(SINGLE_BACKEND, ops));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a DNS fleet whose answer moves: the same invariants (the caps once CHECK_CAPS_WITH_DNS is on)',
    async () => {
      await checkSequences('dns-fleet', { ...BUDGET, fleetSize: DNS_FLEET.fleetSize }, (ops) =>
        runSequence(DNS_FLEET, ops),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
