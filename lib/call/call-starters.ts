import {
  status,
  type Client,
  type ClientReadableStream,
  type ClientWritableStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import type { PoolMethod } from '../proto/service-catalog.js';
import type { WireMethod } from '../telemetry/traffic-meter.js';
import type { CallSink, CancellableCall } from './call-sink.js';
import type { PreparedCall } from './prepare-call.js';
import type { RequestStream } from '../facades/observable/request-stream.js';

/** Starts one grpc-js call of a given kind on a channel's client. */
export type CallStarter = (
  client: Client,
  method: WireMethod,
  request: unknown,
  requests: RequestStream<object> | undefined,
  prepared: PreparedCall,
  sink: CallSink<object>,
) => CancellableCall;

const unary: CallStarter = (client, method, request, _requests, prepared, sink) => {
  const call = client.makeUnaryRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request as object,
    prepared.metadata,
    prepared.callOptions,
    (error, response) => sink.runInAsyncScope(settle, null, sink, error, response),
  );
  call.on('metadata', () => sink.headersArrived());
  return call;
};

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
  const call = client.makeClientStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    prepared.metadata,
    prepared.callOptions,
    (error, response) => sink.runInAsyncScope(settle, null, sink, error, response),
  );
  call.on('metadata', () => sink.headersArrived());
  forwardRequests(call, requests, sink);
  return call;
};

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
 */
function settle(
  sink: CallSink<object>,
  error: ServiceError | null,
  response: object | undefined,
): void {
  if (error) {
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
 * alone (a failed stream ends too), and no message can follow it.
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
    final = received;
    sink.ended(received.code, received.details);
    settleWhenBoth();
  };
  const onEnd = (): void => {
    drained = true;
    settleWhenBoth();
  };
  call.on('metadata', () => sink.headersArrived());
  call.on('data', (message: object) => sink.runInAsyncScope(sink.next, sink, message));
  call.on('error', (error: ServiceError) => (failure = error));
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
  requests: RequestStream<object> | undefined,
  sink: CallSink<object>,
): void {
  requests?.attach({
    write: (message) => call.write(message),
    end: () => call.end(),
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
