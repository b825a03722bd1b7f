import type { MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcUnknownServiceError } from '../errors/unknown-service.error.js';
import { OptionRules } from '../options/option-rules.js';

/** A method as the call layer needs it. Requests and responses are plain objects. */
export type PoolMethod = MethodDefinition<object, object>;

/** One service of the loaded packages: its short name, full name and methods. */
export interface CatalogService {
  name: string;
  fullName: string;
  definition: ServiceDefinition;
}

/**
 * The services the client's packages define, by short name, as Nest's
 * `getService('OrdersService')` looks them up. The first package listed wins
 * when two define a service of the same name, as in Nest.
 */
export class ServiceCatalog {
  private readonly services = new Map<string, CatalogService>();

  constructor(
    private readonly poolName: GrpcPoolName,
    packageDefinition: PackageDefinition,
    packageNames: readonly string[],
  ) {
    const rules: OptionRules = new OptionRules(poolName);
    for (const packageName of packageNames) {
      const found = servicesOfPackage(packageDefinition, packageName);
      if (found === undefined) {
        const known = packagesDefined(packageDefinition).join(', ') || '(none)';
        rules.fail(
          'package',
          `"${packageName}" is not defined by the proto (it defines: ${known})`,
        );
      }
      for (const service of found) {
        if (!this.services.has(service.name)) this.services.set(service.name, service);
      }
    }
  }

  /** A service by short name (as Nest looks it up) or full name (`pkg.Service`). */
  get(name: string): CatalogService {
    const service = this.find(name);
    if (service === undefined) throw new GrpcUnknownServiceError(this.poolName, name, this.names());
    return service;
  }

  /** A service by short or full name, or undefined. */
  find(name: string): CatalogService | undefined {
    return this.services.get(name) ?? [...this.services.values()].find((s) => s.fullName === name);
  }

  names(): string[] {
    return [...this.services.keys()];
  }
}

function isServiceDefinition(value: unknown): value is ServiceDefinition {
  if (typeof value !== 'object' || value === null || 'format' in value) return false;
  return Object.values(value).every(
    (method) => typeof method === 'object' && method !== null && 'path' in method,
  );
}

/** The services directly inside `packageName`, or undefined if no definition lives in it. */
function servicesOfPackage(
  definition: PackageDefinition,
  packageName: string,
): CatalogService[] | undefined {
  const prefix = `${packageName}.`;
  const keys = Object.keys(definition).filter((key) => key.startsWith(prefix));
  if (keys.length === 0) return undefined;
  return keys.flatMap((fullName) => {
    const name = fullName.slice(prefix.length);
    const value = definition[fullName];
    if (name.includes('.') || !isServiceDefinition(value)) return [];
    return [{ name, fullName, definition: value }];
  });
}

/** Package names that hold at least one service, for the error message. */
function packagesDefined(definition: PackageDefinition): string[] {
  const names = new Set<string>();
  for (const [fullName, value] of Object.entries(definition)) {
    if (!isServiceDefinition(value)) continue;
    const dot = fullName.lastIndexOf('.');
    if (dot > 0) names.add(fullName.slice(0, dot));
  }
  return [...names].sort();
}
