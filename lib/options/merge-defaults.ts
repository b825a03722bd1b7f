import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import type { GrpcPoolDefaults } from '../interfaces/module-options.interface.js';

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

/** The client's options over the shared `forRoot` defaults. */
export function mergeDefaults(
  defaults: GrpcPoolDefaults | undefined,
  client: GrpcPoolClientOptions,
): GrpcPoolClientOptions {
  if (defaults === undefined) return client;
  const merged: GrpcPoolClientOptions = { ...defaults, ...client };
  for (const key of NESTED_KEYS) {
    if (defaults[key] !== undefined && client[key] !== undefined) {
      Object.assign(merged, { [key]: { ...defaults[key], ...client[key] } });
    }
  }
  return merged;
}
