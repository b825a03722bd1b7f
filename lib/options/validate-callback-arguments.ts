import { Metadata } from '@grpc/grpc-js';
import { isPlainObject } from './option-rules.js';
import { GRPC_CALL_OPTION_KEYS, grpcCallOptionsProblem } from './validate-call-options.js';

/** The parts of a method definition that say where its arguments are. */
interface MethodShape {
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
  const rest = args.slice(method.requestStream ? 0 : 1);
  if (!method.responseStream && typeof rest[rest.length - 1] === 'function') rest.pop();
  const [first, second] = rest;
  const options = first instanceof Metadata ? second : first;
  if (options == null || !isPlainObject(options)) return undefined;
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
