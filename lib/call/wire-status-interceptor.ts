import {
  InterceptingCall,
  type CallOptions,
  type ClientOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { statusFromWire } from './wire-status.js';

/**
 * The same normalisation for calls whose callbacks and events grpc-js hands
 * straight to the caller (`getClientByServiceName()`), where the library
 * never holds the status first: done inside grpc-js's interceptor chain, as
 * its innermost link, so the caller's own interceptors, the callback's
 * error and the 'status' event all see gRPC's codes only.
 */
const wireStatusInterceptor: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start: (metadata, _listener, next) =>
      next(metadata, {
        onReceiveStatus: (received, nextStatus) => nextStatus(statusFromWire(received)),
      }),
  });

/**
 * The caller's interceptors (or providers: grpc-js takes one kind only),
 * with the normalising one last, nearest the wire. Interceptors passed per
 * call replace these in grpc-js: `withWireStatusInCallOptions` puts it in theirs.
 */
export function withWireStatusInterceptor(
  options: ClientOptions | undefined,
): Pick<ClientOptions, 'interceptors' | 'interceptor_providers'> {
  const providers = options?.interceptor_providers ?? [];
  if (providers.length > 0) {
    return { interceptor_providers: [...providers, () => wireStatusInterceptor] };
  }
  return { interceptors: [...(options?.interceptors ?? []), wireStatusInterceptor] };
}

/**
 * A call's own options with the normalising interceptor last in its own
 * interceptors (or providers), when it passes any: grpc-js then ignores the
 * client's, the normalising one included, and the caller's callback, events
 * and interceptors would see whatever the wire said. Unchanged otherwise.
 */
export function withWireStatusInCallOptions(options: CallOptions): CallOptions {
  const providers = options.interceptor_providers ?? [];
  if (providers.length > 0) {
    return { ...options, interceptor_providers: [...providers, () => wireStatusInterceptor] };
  }
  const interceptors = options.interceptors ?? [];
  if (interceptors.length === 0) return options;
  return { ...options, interceptors: [...interceptors, wireStatusInterceptor] };
}
