import { createRequire } from 'node:module';

/**
 * Loads an optional peer dependency (`@opentelemetry/api`, `prom-client`)
 * when a pool is built, never at import time: the library must load without
 * them, and must not use top-level await (CommonJS apps load it through
 * `require(esm)`). Both peers ship CommonJS, and keep their state where every
 * copy shares it (OpenTelemetry on `globalThis`, prom-client in its registry
 * objects), so `require` reaches what the app registered with `import`.
 * Returns undefined when the package is not installed.
 */
export function loadOptionalPeer<T>(name: string): T | undefined {
  const require = createRequire(import.meta.url);
  try {
    return require(name) as T;
  } catch (error: unknown) {
    if (isNotFound(error, name)) return undefined;
    throw error;
  }
}

/** Only the package itself missing counts as "not installed"; a broken install must not pass silently. */
function isNotFound(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`)
  );
}
