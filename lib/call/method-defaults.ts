import { resolveRetryPolicy } from '../policies/retry-policy.js';
import { methodSettings } from '../proto/method-settings.js';
import type { CatalogService, PoolMethod } from '../proto/service-catalog.js';
import type { CallContext } from './call-context.js';
import type { MethodCallDefaults } from './prepare-call.js';

/** What a method's calls get when they set nothing: its `methods` settings over the client's defaults. */
export function methodCallDefaults(
  context: CallContext,
  service: CatalogService,
  protoName: string,
  method: PoolMethod,
): MethodCallDefaults {
  const { callDefaults, source } = context.options;
  const settings = methodSettings(source.methods, service, protoName);
  return {
    timeoutMs: settings.timeoutMs ?? callDefaults.timeoutMs,
    waitForReady: callDefaults.waitForReady ?? false,
    retry: resolveRetryPolicy(settings.retry ?? callDefaults.retry),
    idempotent: settings.idempotent ?? declaredIdempotent(method),
    interceptors: context.options.callInterceptors,
    forwardMetadata: context.options.forwardMetadata,
  };
}

/** The proto's `option idempotency_level = IDEMPOTENT` (or NO_SIDE_EFFECTS) marks a method safe to replay. */
function declaredIdempotent(method: PoolMethod): boolean {
  const level = method.options?.idempotency_level as string | undefined;
  return level === 'IDEMPOTENT' || level === 'NO_SIDE_EFFECTS';
}
