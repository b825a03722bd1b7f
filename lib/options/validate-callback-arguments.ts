import { Metadata } from '@grpc/grpc-js';
import { isPlainObject } from './option-rules.js';
import { GRPC_CALL_OPTION_KEYS, grpcCallOptionsProblem } from './validate-call-options.js';

/** The parts of a method definition that say where its arguments are. */
export interface MethodShape {
  requestStream: boolean;
  responseStream: boolean;
}

/**
 * What is wrong with the call options of a `getClientByServiceName()` call,
 * or undefined. Its arguments are grpc-js's: `(request?, metadata?,
 * options?, callback?)`, where the options may stand in for the metadata.
 * Only grpc-js `CallOptions` apply there: the pool's own (`timeoutMs`, ...)
 * would be silently ignored, so they are reported; and a deadline grpc-js
 * cannot send would crash the process, so it is checked.
 */
export function callbackArgumentsProblem(method: MethodShape, args: unknown[]): string | undefined {
  const at = callOptionsIndex(method, args);
  if (at < 0) return undefined;
  const options = args[at] as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if ((GRPC_CALL_OPTION_KEYS as readonly string[]).includes(key)) continue;
    return (
      `options.${key} is not a grpc-js call option (known: ${GRPC_CALL_OPTION_KEYS.join(', ')}); ` +
      `metadata must be a grpc-js Metadata, and the pool's own options (timeoutMs, retry, ...) ` +
      `apply to getService() calls only`
    );
  }
  return grpcCallOptionsProblem(options, true);
}

/**
 * Where the call options are among a `getClientByServiceName()` call's
 * arguments (`(request?, metadata?, options?, callback?)`), or -1 when it
 * passes none (or something that is no options object).
 */
export function callOptionsIndex(method: MethodShape, args: unknown[]): number {
  const first = method.requestStream ? 0 : 1;
  const end =
    !method.responseStream && typeof args[args.length - 1] === 'function'
      ? args.length - 1
      : args.length;
  const at = args[first] instanceof Metadata ? first + 1 : first;
  const options = at < end ? args[at] : undefined;
  return options != null && isPlainObject(options) ? at : -1;
}
