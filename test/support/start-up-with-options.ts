import { ECHO_PACKAGE, ECHO_PROTO } from './protos.js';
import { GrpcPool } from '../../lib/client/grpc-pool.js';
import type { GrpcPoolClientOptions } from '../../lib/interfaces/client-options.interface.js';

/**
 * Shared by the client-options validation specs (lib/options/validate-*.spec.ts): a pool
 * started from valid options with some overridden, and the message prefix its errors carry.
 */
const valid: GrpcPoolClientOptions = {
  name: 'ORDERS',
  package: ECHO_PACKAGE,
  protoPath: ECHO_PROTO,
  url: '127.0.0.1:1',
};

export function startUp(overrides: Record<string, unknown>): () => GrpcPool {
  return () => new GrpcPool({ ...valid, ...overrides } as GrpcPoolClientOptions);
}

export const PREFIX = 'Invalid options for gRPC pool "ORDERS": ';

/** `{ a: { b: value } }` from `'a.b'`; a `methods["..."]` segment stays one key. */
export function nested(path: string, value: unknown): Record<string, unknown> {
  const keys = path
    .match(/methods\["[^"]+"\]|[^.]+/g)!
    .map((key) => (key.startsWith('methods[') ? ['methods', key.slice(9, -2)] : [key]));
  return keys.flat().reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<
    string,
    unknown
  >;
}
