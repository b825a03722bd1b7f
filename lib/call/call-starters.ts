import {
  status,
  type Client,
  type ClientReadableStream,
  type ClientWritableStream,
  type Metadata,
  type ServiceError,
  type StatusObject,
  type ClientUnaryCall,
} from '@grpc/grpc-js';
import type { PoolMethod } from '../proto/service-catalog.js';
import type { WireMethod } from '../telemetry/traffic-meter.js';
import type { CallSink, CancellableCall } from './call-sink.js';
import type { PreparedCall } from './prepare-call.js';
import type { RequestSource } from './request-source.js';
import { errorFromWire, statusFromWire } from './wire-status.js';

/** Starts one grpc-js call of a given kind on a channel's client. */
export type CallStarter = (
  client: Client,
  method: WireMethod,
  request: unknown,
  requests: RequestSource<object> | undefined,
  prepared: PreparedCall,
  sink: CallSink<object>,
) => CancellableCall;

const unary: CallStarter = (client, method, request, _requests, prepared, sink) => {
  if (sink.wantsResponseMetadata) return unaryWithTrailers(client, method, request, prepared, sink);
  const call = client.makeUnaryRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request as object,
    prepared.metadata,
    prepared.callOptions,
    (error, response) => sink.runInAsyncScope(settle, null, sink, error, response),
  );
  call.on('metadata', (headers: Metadata) => sink.headersArrived(headers));
  return call;
};

/**
 * A unary call whose caller wants its trailers. grpc-js runs the callback
 * first and emits 'status' (which carries them) right after, in the same
 * tick: the outcome waits for it, so `onTrailer` comes before the result.
 */
function unaryWithTrailers(
  client: Client,
  method: WireMethod,
  request: unknown,
  prepared: PreparedCall,
  sink: CallSink<object>,
): ClientUnaryCall {
  let outcome: [ServiceError | null, object | undefined] = [null, undefined];
  const call = client.makeUnaryRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request as object,
    prepared.metadata,
    prepared.callOptions,
    (error, response) => (outcome = [error, response]),
  );
  settleOnStatus(call, sink, () => outcome);
  return call;
}

const serverStream: CallStarter = (client, method, request, _requests, prepared, sink) => {
  const call = client.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request as object,
    prepared.metadata,
    prepared.callOptions,
  );
  forwardResponses(call, sink);
  return call;
};

const clientStream: CallStarter = (client, method, _request, requests, prepared, sink) => {
  let outcome: [ServiceError | null, object | undefined] = [null, undefined];
  const wantsTrailers = sink.wantsResponseMetadata;
  const call = client.makeClientStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    prepared.metadata,
    prepared.callOptions,
    (error, response) => {
      if (wantsTrailers) outcome = [error, response];
      else sink.runInAsyncScope(settle, null, sink, error, response);
    },
  );
  if (wantsTrailers) settleOnStatus(call, sink, () => outcome);
  else call.on('metadata', (headers: Metadata) => sink.headersArrived(headers));
  forwardRequests(call, requests, sink);
  return call;
};

/** Headers as they arrive; the outcome grpc-js gave the callback, with the trailers of the 'status' after it. */
function settleOnStatus(
  call: ClientUnaryCall | ClientWritableStream<object>,
  sink: CallSink<object>,
  outcome: () => [ServiceError | null, object | undefined],
): void {
  call.on('metadata', (headers: Metadata) => sink.headersArrived(headers));
  call.on('status', (received: StatusObject) => {
    sink.trailersArrived(received.metadata);
    sink.runInAsyncScope(settle, null, sink, ...outcome());
  });
}

const bidiStream: CallStarter = (client, method, _request, requests, prepared, sink) => {
  const call = client.makeBidiStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    prepared.metadata,
    prepared.callOptions,
  );
  forwardResponses(call, sink);
  forwardRequests(call, requests, sink);
  return call;
};

/**
 * The callback of a single-response call runs exactly once, on the final
 * status (cancel included), so the slot is freed here without a 'status'
 * listener, and before the subscriber's reaction can start its next call.
 * Its error is where the status enters the library: normalised here, once.
 */
function settle(
  sink: CallSink<object>,
  received: ServiceError | null,
  response: object | undefined,
): void {
  if (received) {
    const error = errorFromWire(received);
    sink.ended(error.code, error.details);
    sink.settled(error);
    return;
  }
  sink.ended(status.OK, '');
  sink.next(response as object);
  sink.settled(null);
}

/**
 * A response stream's messages and outcome go to the sink. grpc-js ends the
 * stream, emits 'error' (for a status other than OK), then 'status', and only
 * later 'end', once buffered messages have been emitted. So the slot is freed
 * on 'status', and the outcome waits for both: it is never read from 'end'
 * alone (a failed stream ends too), and no message can follow it. The
 * status and its error are normalised as they arrive, before anything reads them.
 */
function forwardResponses(call: ClientReadableStream<object>, sink: CallSink<object>): void {
  let failure: ServiceError | undefined;
  let final: StatusObject | undefined;
  let drained = false;
  const settleWhenBoth = (): void => {
    if (final === undefined || !drained) return;
    sink.settled(final.code === status.OK ? null : (failure ?? errorFromStatus(final)));
  };
  const onStatus = (received: StatusObject): void => {
    final = statusFromWire(received);
    sink.trailersArrived(final.metadata);
    sink.ended(final.code, final.details);
    settleWhenBoth();
  };
  const onEnd = (): void => {
    drained = true;
    settleWhenBoth();
  };
  call.on('metadata', (headers: Metadata) => sink.headersArrived(headers));
  call.on('data', (message: object) => sink.runInAsyncScope(sink.next, sink, message));
  call.on('error', (error: ServiceError) => (failure = errorFromWire(error)));
  call.on('status', (received: StatusObject) => sink.runInAsyncScope(onStatus, null, received));
  call.on('end', () => sink.runInAsyncScope(onEnd, null));
}

/** A failed status without the 'error' grpc-js normally emits for it. */
function errorFromStatus(final: StatusObject): ServiceError {
  return Object.assign(new Error(`${final.code} ${status[final.code]}: ${final.details}`), final);
}

/** The request Observable's messages go onto the call once it exists. */
function forwardRequests(
  call: ClientWritableStream<object> & CancellableCall,
  requests: RequestSource<object> | undefined,
  sink: CallSink<object>,
): void {
  requests?.attach({
    write: (message) => call.write(message),
    end: () => call.end(),
    whenDrained: (resume) => call.once('drain', resume),
    // The server must not see a half request as complete: the call fails with
    // the stream's error first, so the cancel's own status cannot win.
    fail: (error) => {
      sink.requestsFailed(error);
      call.cancel();
    },
  });
}

/** The starter for a method's kind, by its streaming flags. */
export function starterFor(method: PoolMethod): CallStarter {
  if (method.requestStream) return method.responseStream ? bidiStream : clientStream;
  return method.responseStream ? serverStream : unary;
}
