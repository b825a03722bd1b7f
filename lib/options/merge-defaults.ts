import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import type { GrpcPoolDefaults } from '../interfaces/module-options.interface.js';
import { isPlainObject } from './option-rules.js';

/** Nested option objects merge key by key; everything else the client sets replaces the default. */
const NESTED_KEYS = [
  'pool',
  'defaultCallOptions',
  'methods',
  'startup',
  'keepalive',
  'loader',
  'channelOptions',
] as const;

/**
 * The client's options over the shared `forRoot` defaults. A client key set
 * to undefined (`url: process.env.ORDERS_URL` with the variable unset) keeps
 * the default instead of erasing it.
 */
export function mergeDefaults(
  defaults: GrpcPoolDefaults | undefined,
  client: GrpcPoolClientOptions,
): GrpcPoolClientOptions {
  if (defaults === undefined) return client;
  const merged = { ...defaults, ...definedOnly(client) } as GrpcPoolClientOptions;
  for (const key of NESTED_KEYS) {
    // Not an object: left as the client set it, for validation to name.
    if (defaults[key] !== undefined && isPlainObject(client[key])) {
      Object.assign(merged, { [key]: { ...defaults[key], ...definedOnly(client[key]) } });
    }
  }
  return merged;
}

function definedOnly(value: object): object {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}
