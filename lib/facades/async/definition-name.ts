import type { GrpcServiceDefinition } from '../../interfaces/pooled-async-service.interface.js';

/**
 * The service a generated definition names: its full name (`pkg.Service`)
 * when it has one, as two packages may define services of the same short
 * name. Anything else is passed on as given, for the catalog to reject by name.
 */
export function definitionName(definition: GrpcServiceDefinition): string {
  const { fullName, name } = definition ?? {};
  if (typeof fullName === 'string') return fullName;
  return String(name);
}
