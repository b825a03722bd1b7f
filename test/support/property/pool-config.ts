import fc from 'fast-check';
import type { GrpcPoolChannelOptions } from '../../../lib/index.js';

/**
 * The pool options a sequence runs with, drawn per sequence, so sequences reach the rules
 * that only some configurations switch on: rotation at maxConnectionAgeMs (at the cap, with
 * one channel, with none at start-up) and outlier ejection (which needs a fleet). Every value
 * is valid (lib/options/validate-client-options.ts); the first of each list is where a failing
 * configuration shrinks to: the harness's former fixed one, without rotation or ejection.
 */
export interface PoolConfig {
  minChannels: 0 | 1;
  maxChannels: number;
  /** 0: never rotated; else small enough that channels come of age within a run. */
  maxConnectionAgeMs: number;
  outlierDetection: false | { consecutiveFailures: number; baseEjectionMs: number };
}

/** The slots of one channel: small, so a few held calls fill a channel. */
export const CALLS_PER_CHANNEL = 2;

/** Longer than any run: a backend ejected stays ejected until the pool closes. */
const EJECTED_FOR_THE_RUN_MS = 60_000;

export const poolConfigArb: fc.Arbitrary<PoolConfig> = fc.record({
  minChannels: fc.constantFrom<0 | 1>(1, 0),
  maxChannels: fc.constantFrom(2, 1, 3),
  maxConnectionAgeMs: fc.constantFrom(0, 200, 350, 500),
  outlierDetection: fc.oneof(
    fc.constant(false as const),
    fc.record({
      consecutiveFailures: fc.integer({ min: 1, max: 3 }),
      // Short: ejections end and probe calls run within the run; long: one lasts to the end.
      baseEjectionMs: fc.constantFrom(100, EJECTED_FOR_THE_RUN_MS),
    }),
  ),
});

/** The pool options of a config (the `pool` field of the client options). */
export function poolOptionsOf(config: PoolConfig): GrpcPoolChannelOptions {
  return {
    minChannels: config.minChannels,
    maxChannels: config.maxChannels,
    maxConcurrentCallsPerChannel: CALLS_PER_CHANNEL,
    maxConnectionAgeMs: config.maxConnectionAgeMs,
    outlierDetection: config.outlierDetection,
  };
}

/** One line, for the seed log and failure messages. */
export function describePoolConfig(config: PoolConfig): string {
  const { minChannels, maxChannels, maxConnectionAgeMs, outlierDetection } = config;
  const age = maxConnectionAgeMs === 0 ? 'off' : `${maxConnectionAgeMs}ms`;
  const outliers =
    outlierDetection === false
      ? 'off'
      : `${outlierDetection.consecutiveFailures} failures, ${outlierDetection.baseEjectionMs}ms`;
  return (
    `minChannels ${minChannels}, maxChannels ${maxChannels}, ` +
    `maxConnectionAgeMs ${age}, outlierDetection ${outliers}`
  );
}
