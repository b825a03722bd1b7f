import type { CallContext } from '../../call/call-context.js';
import { methodCallDefaults } from '../../call/method-defaults.js';
import type { CatalogService } from '../../proto/service-catalog.js';
import { createAsyncMethod, type AsyncPooledMethod } from './async-method.js';

/**
 * The object `getAsyncService()` returns: the same methods under the same
 * names as `getService()` (proto and lowerCamelCase), for async/await.
 */
export function createAsyncServiceFacade(
  context: CallContext,
  service: CatalogService,
): Record<string, AsyncPooledMethod> {
  const facade: Record<string, AsyncPooledMethod> = {};
  for (const [protoName, method] of Object.entries(service.definition)) {
    const defaults = methodCallDefaults(context, service, protoName, method);
    const pooled = createAsyncMethod(context, method, defaults);
    facade[protoName] = pooled;
    if (method.originalName) facade[method.originalName] = pooled;
  }
  return facade;
}
