import { callFailures } from '../errors/call-failures.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import type { MethodTelemetry } from '../telemetry/method-telemetry.js';
import { asServiceError } from './as-service-error.js';
import type { CallContext } from './call-context.js';
import type { CallObserver } from './call-observer.js';
import { starterFor, type CallStarter } from './call-starters.js';
import { PooledCall } from './pooled-call.js';
import { prepareCall, type MethodCallDefaults } from './prepare-call.js';
import type { RequestSource } from './request-source.js';

/**
 * Turns what a facade received as a request stream into a source the call
 * reads, or undefined when it is not one the facade takes. A failure before
 * the call exists goes to `onEarlyError`.
 */
export type RequestStreamOpener = (
  requests: unknown,
  onEarlyError: (error: unknown) => void,
) => RequestSource<object> | undefined;

/**
 * Starts the calls of one method, for any facade: the admission gate, the
 * per-call options, the request stream and the call's first request for a
 * slot. What the caller gets back (an Observable, a promise, an iterator) is
 * the facade's; every policy below it is shared.
 */
export class MethodCaller {
  private readonly start: CallStarter;
  private readonly telemetry: MethodTelemetry;

  constructor(
    private readonly context: CallContext,
    private readonly method: PoolMethod,
    private readonly defaults: MethodCallDefaults,
    private readonly openRequests: RequestStreamOpener,
    /** What the facade accepts as a request stream, for the INVALID_ARGUMENT message. */
    private readonly streamKinds: string,
  ) {
    this.start = starterFor(method);
    this.telemetry = context.telemetry.forMethod(method);
  }

  /**
   * One call, delivered to `observer`. Returns the call (its `unsubscribe()`
   * is the teardown), or undefined when it failed before it began, in which
   * case `observer.error` has been called already.
   */
  call(
    request: unknown,
    metadata: unknown,
    options: unknown,
    observer: CallObserver<object>,
  ): PooledCall | undefined {
    const { context, method, telemetry } = this;
    const startedAt = performance.now();
    telemetry.callStarted();
    let failed = false;
    const failEarly = (error: unknown): undefined => {
      if (failed) return;
      failed = true;
      const serviceError = asServiceError(error);
      telemetry.callEnded(serviceError.code, performance.now() - startedAt);
      telemetry.tracer?.failedBeforeSent(serviceError);
      observer.error(serviceError);
    };
    const refused = context.admission.refusal();
    if (refused !== undefined) return failEarly(refused);
    let call: PooledCall | undefined;
    let requests: RequestSource<object> | undefined;
    // A request stream that fails before the call exists fails it here; after that, the
    // call fails itself (while it waits for a slot too), so the failure is counted once.
    const requestsFailed = (error: unknown): void =>
      call === undefined ? failEarly(error) : call.requestsFailed(error);
    try {
      const prepared = prepareCall(context.label, this.defaults, metadata, options);
      if (method.requestStream) {
        requests = this.openRequests(request, requestsFailed);
        if (requests === undefined) {
          throw callFailures.invalidArgument(
            context.label,
            `${method.path} streams requests: pass ${this.streamKinds} of request messages`,
          );
        }
      }
      // The request stream failed as it was subscribed: the call has failed already.
      if (failed) {
        requests?.unsubscribe();
        return undefined;
      }
      call = new PooledCall(
        context,
        method,
        this.start,
        request,
        requests,
        prepared,
        observer,
        startedAt,
        telemetry,
      );
    } catch (error: unknown) {
      return failEarly(error);
    }
    context.admission.register(call);
    if (!observer.closed) call.open();
    return call;
  }
}
