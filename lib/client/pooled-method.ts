import { status, type ServiceError } from '@grpc/grpc-js';
import { Observable, type Subscriber } from 'rxjs';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { callFailures } from '../errors/call-failures.js';
import type { Lease } from '../pool/lease.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import type { CallContext } from './call-context.js';
import type { CallSink, CancellableCall } from './call-sink.js';
import { starterFor, type CallStarter } from './call-starters.js';
import { prepareCall, type PreparedCall } from './prepare-call.js';
import { RequestStream } from './request-stream.js';

/** A service method as `getService()` exposes it: `(request | request$, metadata?, options?) => Observable`. */
export type PooledMethod = (
  request?: unknown,
  metadata?: unknown,
  options?: unknown,
) => Observable<object>;

/** One subscription's call, from its slot request to its final status. */
interface CallRun {
  context: CallContext;
  method: PoolMethod;
  start: CallStarter;
  request: unknown;
  requests: RequestStream<object> | undefined;
  prepared: PreparedCall;
  subscriber: Subscriber<object>;
  startedAt: number;
  /** The call has delivered its outcome; unsubscribing no longer cancels it. */
  settled: boolean;
  call: CancellableCall | undefined;
}

/**
 * Builds the method. Each subscription is one call: it takes a slot (maybe
 * after queueing), runs on that channel, frees the slot on the call's final
 * status, and is cancelled on the wire when the subscriber unsubscribes.
 */
export function createPooledMethod(context: CallContext, method: PoolMethod): PooledMethod {
  const start = starterFor(method);
  return (request, metadata, options) =>
    new Observable<object>((subscriber) => {
      const startedAt = performance.now();
      context.metrics.started++;
      const failEarly = (error: unknown): void => {
        const serviceError = asServiceError(error);
        context.metrics.finish(serviceError.code, startedAt);
        subscriber.error(serviceError);
      };
      let prepared: PreparedCall;
      let requests: RequestStream<object> | undefined;
      try {
        prepared = prepareCall(context, metadata, options);
        requests = openRequestStream(context, method, request, failEarly);
      } catch (error: unknown) {
        return failEarly(error);
      }
      const run: CallRun = {
        context,
        method,
        start,
        request,
        requests,
        prepared,
        subscriber,
        startedAt,
        settled: false,
        call: undefined,
      };
      if (subscriber.closed) return requests?.unsubscribe();
      const withdraw = context.pool.acquire(
        prepared.deadline,
        (lease) => startOnLease(run, lease),
        failEarly,
      );
      return () => {
        withdraw();
        requests?.unsubscribe();
        if (run.call !== undefined && !run.settled) run.call.cancel();
      };
    });
}

function startOnLease(run: CallRun, lease: Lease): void {
  if (run.subscriber.closed) return lease.release();
  let ended = false;
  const sink: CallSink<object> = {
    next: (message) => run.subscriber.next(message),
    error: (error) => {
      run.settled = true;
      run.subscriber.error(asServiceError(error));
    },
    complete: () => {
      run.settled = true;
      run.subscriber.complete();
    },
    status: (final) => {
      if (ended) return;
      ended = true;
      lease.release();
      run.context.metrics.finish(final.code, run.startedAt);
    },
  };
  try {
    run.call = run.start(
      lease.channel.client,
      run.method,
      run.request,
      run.requests,
      run.prepared,
      sink,
    );
  } catch (error: unknown) {
    // grpc-js refused the call synchronously (e.g. a closed channel): it never reached the wire.
    const serviceError = asServiceError(error, status.INTERNAL);
    sink.status({
      code: serviceError.code,
      details: serviceError.details,
      metadata: serviceError.metadata,
    });
    sink.error(serviceError);
  }
}

function openRequestStream(
  context: CallContext,
  method: PoolMethod,
  request: unknown,
  onEarlyError: (error: unknown) => void,
): RequestStream<object> | undefined {
  if (!method.requestStream) return undefined;
  if (!RequestStream.isStream(request)) {
    throw callFailures.invalidArgument(
      context.label,
      `${method.path} streams requests: pass an Observable of request messages`,
    );
  }
  return new RequestStream(request as Observable<object>, onEarlyError);
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/**
 * Keeps gRPC errors as they are. Anything else (a request stream that
 * errored, a synchronous throw) becomes a ServiceError-shaped error, so
 * callers can always read `err.code`.
 */
function asServiceError(error: unknown, code = status.CANCELLED): ServiceError {
  if (isServiceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GrpcPoolCallError(code, message);
}
