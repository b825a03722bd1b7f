import { Observable } from 'rxjs';
import type { CallContext } from '../../call/call-context.js';
import { MethodCaller } from '../../call/method-caller.js';
import { ObservableRequestStream } from '../../call/observable-request-stream.js';
import type { MethodCallDefaults } from '../../call/prepare-call.js';
import type { PoolMethod } from '../../proto/service-catalog.js';

/** A service method as `getService()` exposes it: `(request | request$, metadata?, options?) => Observable`. */
export type PooledMethod = (
  request?: unknown,
  metadata?: unknown,
  options?: unknown,
) => Observable<object>;

/** As Nest's client: a request stream is an Observable (subscribed at once, so a hot one loses nothing). */
function openObservable(
  requests: unknown,
  onEarlyError: (error: unknown) => void,
): ObservableRequestStream<object> | undefined {
  return ObservableRequestStream.isStream(requests)
    ? new ObservableRequestStream(requests as Observable<object>, onEarlyError)
    : undefined;
}

/**
 * Builds the method. Each subscription is one call: it takes a slot (maybe
 * after queueing), runs on that channel, frees the slot on the call's final
 * status, and is cancelled on the wire when the subscriber unsubscribes.
 */
export function createPooledMethod(
  context: CallContext,
  method: PoolMethod,
  defaults: MethodCallDefaults,
): PooledMethod {
  const caller = new MethodCaller(context, method, defaults, openObservable, 'an Observable');
  return (request, metadata, options) =>
    new Observable<object>((subscriber) => caller.call(request, metadata, options, subscriber));
}
