import type { GrpcPoolName } from '../interfaces/client-options.interface.js';

/** A pool's name as text: `ORDERS`, or `Symbol(ORDERS)` for a symbol token. */
export function poolDisplayName(name: GrpcPoolName): string {
  return typeof name === 'symbol' ? name.toString() : name;
}

/** How messages name a pool: `"ORDERS"`, or `Symbol(ORDERS)` for a symbol token. */
export function poolLabel(name: GrpcPoolName): string {
  return typeof name === 'symbol' ? name.toString() : `"${name}"`;
}
