import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';

/**
 * Small checks shared by the option validators. Each one throws a
 * `GrpcPoolOptionsError` naming the client, the field and the rule.
 */
export class OptionRules {
  constructor(private readonly poolName: GrpcPoolName) {}

  fail(field: string, rule: string): never {
    throw new GrpcPoolOptionsError(this.poolName, field, rule);
  }

  /** An integer >= min, or undefined. */
  integer(value: unknown, field: string, min: number): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.fail(field, `must be an integer >= ${min} (got ${describe(value)})`);
    }
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
        this.fail(`${field}.${key}`, `is not a known option (known: ${allowed.join(', ')})`);
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
  return `a ${typeof value}`;
}
