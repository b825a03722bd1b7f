import { GrpcPoolError } from '../../errors/grpc-pool.error.js';
import { poolLabel } from '../../errors/pool-label.js';
import type { GrpcPoolName } from '../../interfaces/client-options.interface.js';
import type { GrpcServiceDefinition } from '../../interfaces/pooled-async-service.interface.js';
import { describe } from '../../options/option-rules.js';

/**
 * The service a generated definition names: its full name (`pkg.Service`)
 * when it has one, as two packages may define services of the same short
 * name. Anything that is not a definition gets a name that says so, for the
 * catalog's unknown-service error.
 */
export function definitionName(definition: unknown): string {
  if (typeof definition === 'object' && definition !== null) {
    const { fullName, name } = definition as Partial<GrpcServiceDefinition>;
    if (typeof fullName === 'string') return fullName;
    if (typeof name === 'string') return name;
  }
  return `(not a service name or a generated service definition: ${describe(definition)})`;
}

/**
 * A definition generated from another version of the proto than the one
 * the client loaded would type methods the service does not have: said at
 * `getAsyncService()`, not as "not a function" at the first call.
 */
export function checkDefinitionMethods(
  poolName: GrpcPoolName,
  serviceName: string,
  definition: GrpcServiceDefinition,
  facade: object,
): void {
  const methods = definition.methods;
  if (typeof methods !== 'object' || methods === null) return;
  const missing = Object.keys(methods).filter((method) => !(method in facade));
  if (missing.length === 0) return;
  throw new GrpcPoolError(
    `gRPC pool ${poolLabel(poolName)}: service "${serviceName}" as loaded has no method ` +
      `${missing.join(', ')} that its generated definition names; generate the code from the ` +
      `proto the client loads`,
  );
}
