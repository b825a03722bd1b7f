import { isObservable, type Observable } from 'rxjs';
import type { CallContext } from '../../call/call-context.js';
import { IterableRequestStream } from '../../call/iterable-request-stream.js';
import { MethodCaller } from '../../call/method-caller.js';
import { ObservableRequestStream } from '../../call/observable-request-stream.js';
import type { MethodCallDefaults } from '../../call/prepare-call.js';
import type { RequestSource } from '../../call/request-source.js';
import type { PoolMethod } from '../../proto/service-catalog.js';
import { PromiseObserver } from './promise-observer.js';
import { ResponseIterator } from './response-iterator.js';

/** A method of `getAsyncService()`: a promise for one response, an async iterable for a stream of them. */
export type AsyncPooledMethod = (
  request?: unknown,
  metadata?: unknown,
  options?: unknown,
) => Promise<object> | AsyncIterableIterator<object>;

/**
 * Request streams as async code writes them: an async iterable (a
 * generator, a Node stream) or iterable (an array), pulled as the
 * connection drains; or an Observable, as `getService()` takes.
 */
function openAnyStream(
  requests: unknown,
  onEarlyError: (error: unknown) => void,
): RequestSource<object> | undefined {
  if (isObservable(requests)) {
    return new ObservableRequestStream(requests as Observable<object>, onEarlyError);
  }
  // A string iterates its characters: it is never a stream of messages.
  if (typeof requests === 'string' || !IterableRequestStream.isStream(requests)) return undefined;
  return new IterableRequestStream(requests as AsyncIterable<object> | Iterable<object>);
}

/** Builds one method: unary and client streaming return promises, the response streams iterators. */
export function createAsyncMethod(
  context: CallContext,
  method: PoolMethod,
  defaults: MethodCallDefaults,
): AsyncPooledMethod {
  const caller = new MethodCaller(
    context,
    method,
    defaults,
    openAnyStream,
    'an AsyncIterable, an Iterable or an Observable',
  );
  if (method.responseStream) {
    return (request, metadata, options) =>
      new ResponseIterator((observer) => caller.call(request, metadata, options, observer));
  }
  return (request, metadata, options) =>
    new Promise<object>((resolve, reject) => {
      const observer = new PromiseObserver(resolve, reject);
      observer.attach(caller.call(request, metadata, options, observer));
    });
}
