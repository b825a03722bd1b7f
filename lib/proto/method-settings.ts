import type { GrpcMethodOptions } from '../interfaces/method-options.interface.js';
import type { OptionRules } from '../options/option-rules.js';
import type { CatalogService, ServiceCatalog } from './service-catalog.js';

type MethodTable = Readonly<Record<string, GrpcMethodOptions>> | undefined;

/**
 * Fails start-up when a `methods` key names a service or method the loaded
 * protos do not define: a typo there would otherwise silently apply nothing.
 */
export function checkMethodKeys(
  rules: OptionRules,
  methods: MethodTable,
  catalog: ServiceCatalog,
): void {
  for (const key of Object.keys(methods ?? {})) {
    const [serviceName, methodName] = key.split('/');
    const service = catalog.find(serviceName);
    if (service === undefined) {
      rules.fail(
        `methods["${key}"]`,
        `names no loaded service (services: ${catalog.names().join(', ')})`,
      );
    }
    const known = Object.keys(service.definition);
    if (methodName !== '*' && !known.includes(methodName)) {
      rules.fail(
        `methods["${key}"]`,
        `names no method of ${service.name} (methods: ${known.join(', ')})`,
      );
    }
  }
}

/** A method's settings: its `'Service/*'` entry, overridden by its `'Service/Method'` entry. */
export function methodSettings(
  methods: MethodTable,
  service: CatalogService,
  protoName: string,
): GrpcMethodOptions {
  if (methods === undefined) return {};
  const names = [service.name, service.fullName];
  const wildcard = names.map((name) => methods[`${name}/*`]).find((entry) => entry !== undefined);
  const exact = names
    .map((name) => methods[`${name}/${protoName}`])
    .find((entry) => entry !== undefined);
  return { ...wildcard, ...exact };
}
