import { AsyncLocalStorage } from 'node:async_hooks';

/** The time budget of the Nest request being handled, as an absolute deadline. */
export interface RequestBudget {
  /** Epoch milliseconds. */
  readonly deadline: number;
}

/**
 * The one piece of process-wide state in the library, and on purpose: an
 * async context is process-wide by nature, and the pools (which read it) and
 * the interceptor (which sets it) must see the same one however many modules
 * register them. It holds nothing itself; each request's budget lives only
 * in that request's async context. Node enables its async hooks lazily, on
 * the first `run()`, so apps that never use `@GrpcTimeout` pay nothing.
 */
const requestBudgets = new AsyncLocalStorage<RequestBudget>();

/** Runs `work` with `budget` as the inherited deadline of every pooled call it makes. */
export function runWithBudget<T>(budget: RequestBudget, work: () => T): T {
  return requestBudgets.run(budget, work);
}

/** The deadline inherited from the request being handled, if any. */
export function inheritedDeadline(): number | undefined {
  return requestBudgets.getStore()?.deadline;
}
