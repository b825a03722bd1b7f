import { AsyncLocalStorage } from 'node:async_hooks';

/** The time budget of the Nest request being handled, as an absolute deadline. */
export interface RequestBudget {
  /** Epoch milliseconds; Infinity for none. */
  readonly deadline: number;
  /** Aborted when the inbound gRPC call is cancelled: its pooled calls are cancelled too. */
  readonly signal?: AbortSignal;
}

/** The headers (HTTP) or metadata (gRPC) of the request being handled, read on demand. */
export type InboundHeaders = (key: string) => readonly (string | Buffer)[];

/** What a pooled call inherits from the Nest request it is made for. */
export interface RequestContext {
  readonly deadline?: number;
  readonly signal?: AbortSignal;
  readonly inbound?: InboundHeaders;
}

/**
 * Process-wide on purpose (one of the five process-wide states listed in
 * ARCHITECTURE.md): an async context is process-wide by nature, and the
 * pools (which read it) and the interceptors (which set it) must see the same
 * one however many modules register them. It holds nothing itself; each request's context lives only
 * in that request's async context. Node enables its async hooks lazily, on
 * the first `run()`, so apps that use neither `@GrpcTimeout` nor
 * `forwardMetadata` pay nothing.
 */
const requestContexts = new AsyncLocalStorage<RequestContext>();

/** Runs `work` with `budget` as the inherited deadline of every pooled call it makes. */
export function runWithBudget<T>(budget: RequestBudget, work: () => T): T {
  const { deadline, signal } = budget;
  const context = {
    ...requestContexts.getStore(),
    deadline: Number.isFinite(deadline) ? deadline : undefined,
  };
  return requestContexts.run(signal === undefined ? context : { ...context, signal }, work);
}

/** Runs `work` with `inbound` as the request whose chosen headers pooled calls forward. */
export function runWithInbound<T>(inbound: InboundHeaders, work: () => T): T {
  return requestContexts.run({ ...requestContexts.getStore(), inbound }, work);
}

/** Everything the request being handled passes on, in one read (undefined outside a request). */
export function currentRequest(): RequestContext | undefined {
  return requestContexts.getStore();
}

/** The deadline inherited from the request being handled, if any. */
export function inheritedDeadline(): number | undefined {
  return requestContexts.getStore()?.deadline;
}

/** The cancellation of the inbound gRPC call being handled, if any. */
export function inheritedSignal(): AbortSignal | undefined {
  return requestContexts.getStore()?.signal;
}

/** The headers of the request being handled, if a forwarding interceptor captured them. */
export function inboundHeaders(): InboundHeaders | undefined {
  return requestContexts.getStore()?.inbound;
}
