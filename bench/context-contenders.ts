/**
 * What carrying a request across services costs a call: the empty unary
 * call on the pool as a plain caller makes it, as an HTTP handler with
 * `forwardMetadata` makes it (the inbound headers in its async context, two
 * of them copied), and as a gRPC handler under `GrpcTimeoutInterceptor`
 * makes it (the inbound deadline and cancellation inherited). The contexts
 * are set as the interceptors set them, once per call: one request, one call.
 */
import {
  runWithBudget,
  runWithInbound,
  type InboundHeaders,
} from '../dist/context/request-context.js';
import { grpcPool, type Contender } from './contenders.js';

const HEADERS: Record<string, string> = {
  authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl',
  'x-request-id': 'b3b8c1d2-5e0f-4a7c-9d1e-2f3a4b5c6d7e',
  accept: 'application/json',
  'user-agent': 'bench',
};
const inbound: InboundHeaders = (key) => (HEADERS[key] === undefined ? [] : [HEADERS[key]]);
const FORWARD = { forwardMetadata: ['authorization', 'x-request-id'] };

/** The same pool contender, each call made inside `around`. */
function within(contender: Contender, label: string, around: <T>(work: () => T) => T): Contender {
  return { ...contender, name: `${contender.name}, ${label}`, call: () => around(contender.call) };
}

const asHttpHandler = <T>(work: () => T): T => runWithInbound(inbound, work);
const asGrpcHandler = <T>(work: () => T): T =>
  runWithBudget({ deadline: Date.now() + 60_000, signal: new AbortController().signal }, work);

export function contextContenders(url: string): Contender[] {
  return [
    grpcPool(url, 1, 'echo', 0),
    within(
      grpcPool(url, 1, 'echo', 0, { label: 'forwardMetadata', options: FORWARD }),
      'in an HTTP handler',
      asHttpHandler,
    ),
    within(
      grpcPool(url, 1, 'echo', 0),
      'in a gRPC handler (inherited deadline and cancel)',
      asGrpcHandler,
    ),
    within(
      grpcPool(url, 1, 'echo', 0, { label: 'forwardMetadata', options: FORWARD }),
      'in a gRPC handler with both',
      (work) => asGrpcHandler(() => asHttpHandler(work)),
    ),
  ];
}
