import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import { closestName } from './closest-name.js';

/**
 * The longest duration any `...Ms` option may have: 2^31 - 1 ms (about 24.8
 * days), the longest delay Node's timers take. Node runs a longer timer after
 * 1 ms, so a larger value would fire at once instead of late; and grpc-js
 * cannot send a deadline of 3.6e14 ms or more at all. One bound for every
 * duration keeps the rule easy to state.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** The largest count an option takes (grpc-js's channel arguments are 32-bit integers). */
const MAX_INT32 = 2_147_483_647;

/**
 * Small checks shared by the option validators. Each one throws a
 * `GrpcPoolOptionsError` naming the client, the field and the rule.
 */
export class OptionRules {
  constructor(
    private readonly poolName: GrpcPoolName | undefined,
    /** What took the options when they belong to no one client, e.g. `GrpcPoolModule.register()`. */
    private readonly scope?: string,
  ) {}

  fail(field: string, rule: string): never {
    throw new GrpcPoolOptionsError(this.poolName, field, rule, this.scope);
  }

  /** An integer >= min, or undefined. */
  /** An integer from min to max, or undefined. Every count has a ceiling: grpc-js keeps them in 32 bits. */
  integer(value: unknown, field: string, min: number, max = MAX_INT32): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.fail(field, `must be an integer >= ${min} (got ${describe(value)})`);
    } else if (value > max) {
      this.fail(field, `must be <= ${max} (got ${describe(value)})`);
    }
  }

  /** A duration in ms that becomes a timer or a deadline: an integer from min to MAX_DURATION_MS, or undefined. */
  durationMs(value: unknown, field: string, min: number): void {
    this.integer(value, field, min, Infinity);
    if ((value as number) > MAX_DURATION_MS) this.fail(field, tooLong(value as number));
  }

  /** A finite number >= min, or undefined. */
  finiteNumber(value: unknown, field: string, min: number): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      this.fail(field, `must be a finite number >= ${min} (got ${describe(value)})`);
    }
  }

  boolean(value: unknown, field: string): void {
    if (value !== undefined && typeof value !== 'boolean') {
      this.fail(field, `must be a boolean (got ${describe(value)})`);
    }
  }

  /** A plain object (or undefined) whose keys are all in `allowed`. */
  knownKeys(value: unknown, field: string, allowed: readonly string[]): void {
    if (value === undefined) return;
    if (!isPlainObject(value)) this.fail(field, `must be an object (got ${describe(value)})`);
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.fail(`${field}.${key}`, unknownOption(key, allowed));
      }
    }
  }

  /** A non-empty string, or a non-empty array of non-empty strings. */
  stringOrList(value: unknown, field: string): void {
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) this.fail(field, 'must not be an empty array');
    list.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '') {
        const where = Array.isArray(value) ? `${field}[${i}]` : field;
        this.fail(where, `must be a non-empty string (got ${describe(item)})`);
      }
    });
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The rule a too-long duration breaks. */
export function tooLong(value: number): string {
  return `must be <= ${MAX_DURATION_MS} (about 24.8 days, the longest timer Node can set) (got ${value})`;
}

/** The rule an unknown key breaks, with the known ones and the likely intended one. */
export function unknownOption(key: string, allowed: readonly string[]): string {
  const guess = closestName(key, allowed);
  const hint = guess === undefined ? '' : `; did you mean ${guess}?`;
  return `is not a known option (known: ${allowed.join(', ')})${hint}`;
}
