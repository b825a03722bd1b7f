import { describePoolInvariants } from '../../support/property/pool-invariants-suite.js';

// The harness of test/property/pool-invariants.e2e-spec.ts with a bigger budget: more sequences, longer ones.
describePoolInvariants(
  'pool invariants under random operations (heavy)',
  { numRuns: 150, maxOperations: 40, timeLimitMs: 50_000 },
  115_000,
  '-heavy',
);
