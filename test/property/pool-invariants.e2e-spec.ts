import { describePoolInvariants } from '../support/property/pool-invariants-suite.js';

// A bounded budget in npm test; test/heavy/property/ runs the same harness longer.
describePoolInvariants(
  'pool invariants under random operations',
  { numRuns: 20, maxOperations: 20, timeLimitMs: 40_000 },
  60_000,
);
