import { resolveRetryPolicy } from '../../policies/retry-policy.js';
import { methodSettings } from '../../proto/method-settings.js';
import type { CatalogService, PoolMethod } from '../../proto/service-catalog.js';
import type { CallContext } from '../../call/call-context.js';
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
  const { callDefaults, source } = context.options;
  for (const [protoName, method] of Object.entries(service.definition)) {
    const settings = methodSettings(source.methods, service, protoName);
    const pooled = createPooledMethod(context, method, {
      timeoutMs: settings.timeoutMs ?? callDefaults.timeoutMs,
      waitForReady: callDefaults.waitForReady ?? false,
      retry: resolveRetryPolicy(settings.retry ?? callDefaults.retry),
      idempotent: settings.idempotent ?? declaredIdempotent(method),
      interceptors: context.options.callInterceptors,
    });
    facade[protoName] = pooled;
    if (method.originalName) facade[method.originalName] = pooled;
  }
  return facade;
}

/** The proto's `option idempotency_level = IDEMPOTENT` (or NO_SIDE_EFFECTS) marks a method safe to replay. */
function declaredIdempotent(method: PoolMethod): boolean {
  const level = method.options?.idempotency_level as string | undefined;
  return level === 'IDEMPOTENT' || level === 'NO_SIDE_EFFECTS';
}
