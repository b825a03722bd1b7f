import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import type { GrpcPoolDefaults } from '../interfaces/module-options.interface.js';

/**
 * An options error about a value the client did not set but the `forRoot`
 * (or `forRootAsync`) defaults did, re-worded to say so: otherwise the
 * message points at the client's options, where the value is not.
 */
export function blameDefaults(
  error: unknown,
  defaults: GrpcPoolDefaults | undefined,
  client: GrpcPoolClientOptions,
): unknown {
  if (!(error instanceof GrpcPoolOptionsError) || defaults === undefined) return error;
  if (error.origin !== undefined) return error;
  const path = fieldPath(error.field);
  if (has(client, path) || !has(defaults, path)) return error;
  return new GrpcPoolOptionsError(
    error.poolName,
    error.field,
    error.rule,
    undefined,
    'forRoot defaults',
  );
}

/** `pool.maxChannels`, `methods["S/M"].timeoutMs`, `url[1]`, `options.timeoutMs` (an unknown top-level key) as keys. */
function fieldPath(field: string): string[] {
  const keys = [...field.matchAll(/\["([^"]*)"\]|\[(\d+)\]|([^.[\]]+)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3],
  );
  return keys[0] === 'options' ? keys.slice(1) : keys;
}

function has(root: object, path: readonly string[]): boolean {
  let value: unknown = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  return path.length > 0 && value !== undefined;
}
