import { Observable } from 'rxjs';
import { callFailures } from '../../errors/call-failures.js';
import type { PoolMethod } from '../../proto/service-catalog.js';
import { asServiceError } from '../../call/as-service-error.js';
import type { CallContext } from '../../call/call-context.js';
import { starterFor } from '../../call/call-starters.js';
import { PooledCall } from '../../call/pooled-call.js';
import { prepareCall, type MethodCallDefaults } from '../../call/prepare-call.js';
import { RequestStream } from './request-stream.js';

/** A service method as `getService()` exposes it: `(request | request$, metadata?, options?) => Observable`. */
export type PooledMethod = (
  request?: unknown,
  metadata?: unknown,
  options?: unknown,
) => Observable<object>;

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
  const start = starterFor(method);
  const telemetry = context.telemetry.forMethod(method);
  return (request, metadata, options) =>
    new Observable<object>((subscriber) => {
      const startedAt = performance.now();
      telemetry.callStarted();
      const failEarly = (error: unknown): void => {
        const serviceError = asServiceError(error);
        telemetry.callEnded(serviceError.code, performance.now() - startedAt);
        telemetry.tracer?.failedBeforeSent(serviceError);
        subscriber.error(serviceError);
      };
      const refused = context.admission.refusal();
      if (refused !== undefined) return failEarly(refused);
      let call: PooledCall | undefined;
      // A request stream that fails before the call exists fails it here; after that, the
      // call fails itself (while it waits for a slot too), so the failure is counted once.
      const requestsFailed = (error: unknown): void =>
        call === undefined ? failEarly(error) : call.requestsFailed(error);
      try {
        const prepared = prepareCall(context.label, defaults, metadata, options);
        const requests = method.requestStream
          ? openRequestStream(context, method, request, requestsFailed)
          : undefined;
        // The request stream failed as it was subscribed: the call has failed already.
        if (subscriber.closed) return requests?.unsubscribe();
        call = new PooledCall(
          context,
          method,
          start,
          request,
          requests,
          prepared,
          subscriber,
          startedAt,
          telemetry,
        );
      } catch (error: unknown) {
        return failEarly(error);
      }
      context.admission.register(call);
      if (!subscriber.closed) call.begin();
      return call;
    });
}

function openRequestStream(
  context: CallContext,
  method: PoolMethod,
  request: unknown,
  onEarlyError: (error: unknown) => void,
): RequestStream<object> {
  if (!RequestStream.isStream(request)) {
    throw callFailures.invalidArgument(
      context.label,
      `${method.path} streams requests: pass an Observable of request messages`,
    );
  }
  return new RequestStream(request as Observable<object>, onEarlyError);
}
