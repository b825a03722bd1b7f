import type { CallContext } from '../../call/call-context.js';
import { methodCallDefaults } from '../../call/method-defaults.js';
import type { CatalogService } from '../../proto/service-catalog.js';
import { createPooledMethod, type PooledMethod } from './pooled-method.js';

/**
 * The object `getService()` returns: every method under its proto name and
 * its lowerCamelCase name, as Nest's `ClientGrpcProxy` exposes them.
 */
export function createServiceFacade(
  context: CallContext,
  service: CatalogService,
): Record<string, PooledMethod> {
  const facade: Record<string, PooledMethod> = {};
  for (const [protoName, method] of Object.entries(service.definition)) {
    const defaults = methodCallDefaults(context, service, protoName, method);
    const pooled = createPooledMethod(context, method, defaults);
    facade[protoName] = pooled;
    if (method.originalName) facade[method.originalName] = pooled;
  }
  return facade;
}
