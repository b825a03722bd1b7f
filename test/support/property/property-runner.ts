import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { RunCoverage } from './run-coverage.js';
import { scenarioArb, type Scenario } from './scenario.js';

/**
 * Runs a property with a seed that is always logged, so any failure replays:
 *   GRPC_POOL_PROPERTY_SEED=<seed> GRPC_POOL_PROPERTY_PATH=<path> npm test -- test/property
 * (the path, from the failure message, replays the shrunk counterexample alone; the seed alone
 * replays the whole series). Each run appends `seed`, `path` and the outcome to
 * test/.property-seeds.log (gitignored).
 */

export const SEED_LOG = fileURLToPath(new URL('../../.property-seeds.log', import.meta.url));

/** How much a tier runs: sequences, and operations per sequence. */
export interface PropertyBudget {
  numRuns: number;
  maxOperations: number;
  /** Stop generating (and shrinking) after this long; a bound, not a measure. */
  timeLimitMs: number;
  /** With a DNS fleet of this many backends, sequences also move the name's answer. */
  fleetSize?: number;
}

/**
 * Under CI the sequences are the same on every run (a seed per property, from its name): a
 * submission passes or fails on its code, not on the draw. Elsewhere each run draws new ones,
 * so developers' runs keep exploring; the seed log keeps every draw for replay.
 */
function defaultSeed(name: string): number {
  if (process.env.CI === undefined || process.env.CI === '' || process.env.CI === 'false') {
    return (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  }
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

function seedFromEnvironment(name: string): { seed: number; path: string | undefined } {
  const given = process.env.GRPC_POOL_PROPERTY_SEED;
  const seed = given === undefined ? defaultSeed(name) : Number(given);
  if (!Number.isInteger(seed))
    throw new Error(`GRPC_POOL_PROPERTY_SEED must be an integer (got ${given})`);
  return { seed, path: process.env.GRPC_POOL_PROPERTY_PATH || undefined };
}

const log = (line: string): void =>
  appendFileSync(SEED_LOG, `${new Date().toISOString()} ${line}\n`);

export async function checkSequences(
  name: string,
  budget: PropertyBudget,
  run: (scenario: Scenario) => Promise<void>,
  /** Printed in the seed log with the outcome. */
  coverage?: RunCoverage,
): Promise<void> {
  const { seed, path } = seedFromEnvironment(name);
  const replay = `GRPC_POOL_PROPERTY_SEED=${seed}${path === undefined ? '' : ` GRPC_POOL_PROPERTY_PATH=${path}`}`;
  log(
    `${name}: start seed=${seed}${path === undefined ? '' : ` path=${path}`} numRuns=${budget.numRuns}`,
  );
  const details = await fc.check(
    fc.asyncProperty(scenarioArb(budget.maxOperations, budget.fleetSize), run),
    {
      seed,
      path,
      numRuns: budget.numRuns,
      interruptAfterTimeLimit: budget.timeLimitMs,
      // A path replays one case: run it alone.
      endOnFailure: path !== undefined,
    },
  );
  if (!details.failed) {
    log(
      `${name}: passed ${details.numRuns} runs seed=${seed}${details.interrupted ? ' (interrupted by the time limit)' : ''}` +
        (coverage === undefined ? '' : ` (${coverage.toString()})`),
    );
    return;
  }
  const error = details.errorInstance;
  const message =
    `${name} failed after ${details.numRuns} runs and ${details.numShrinks} shrinks\n` +
    `replay: GRPC_POOL_PROPERTY_SEED=${details.seed} GRPC_POOL_PROPERTY_PATH=${details.counterexamplePath} ` +
    `npm test -- test/property\n` +
    (error instanceof Error ? error.message : String(error));
  log(
    `${name}: FAILED seed=${details.seed} path=${details.counterexamplePath} (started as: ${replay})\n${message}`,
  );
  throw new Error(message);
}
