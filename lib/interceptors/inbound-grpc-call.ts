import type { ExecutionContext } from '@nestjs/common';
import { inboundCallEnd } from '../context/inbound-call-end.js';

/** The inbound call a Nest gRPC handler serves: its deadline, and its cancellation. */
export interface InboundGrpcCall {
  /** Epoch milliseconds; Infinity when the client set none. */
  deadline: number;
  cancelled: boolean;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

interface GrpcServerCall {
  getDeadline(): Date | number;
  cancelled: boolean;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

function isServerCall(value: unknown): value is GrpcServerCall {
  const call = value as Partial<GrpcServerCall> | null;
  return (
    typeof call?.getDeadline === 'function' &&
    typeof call.on === 'function' &&
    typeof call.removeListener === 'function'
  );
}

/**
 * The grpc-js call behind a Nest gRPC handler: Nest calls `@GrpcMethod` and
 * `@GrpcStreamMethod` handlers with (request or request stream, metadata,
 * call). Undefined in any other RPC transport.
 */
export function inboundGrpcCall(context: ExecutionContext): InboundGrpcCall | undefined {
  const call: unknown = context.getArgByIndex(2);
  if (!isServerCall(call)) return undefined;
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return {
    deadline: Number.isNaN(at) ? Infinity : at,
    get cancelled() {
      return call.cancelled;
    },
    on: (event, listener) => call.on(event, listener),
    removeListener: (event, listener) => call.removeListener(event, listener),
  };
}

/**
 * A signal that aborts when the inbound call ends before its handler does
 * (or had already): cancelled by its client, or its deadline passed, which
 * the reason tells apart (`inboundCallEnd`). And the way to stop watching
 * once the handler is done.
 */
export function watchCancellation(call: InboundGrpcCall): {
  signal: AbortSignal;
  release: () => void;
} {
  const controller = new AbortController();
  const since = Date.now();
  // grpc-js also emits 'cancelled' (with `cancelled` set) as an answered call's stream closes:
  // by then the handler is done and `release` has removed this listener.
  const cancelled = (): void => {
    if (call.cancelled) controller.abort(inboundCallEnd(call.deadline, Date.now(), since));
  };
  if (call.cancelled) cancelled();
  else call.on('cancelled', cancelled);
  return { signal: controller.signal, release: () => call.removeListener('cancelled', cancelled) };
}
