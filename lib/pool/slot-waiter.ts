import type { Lease } from './lease.js';

/** Whoever asks the pool for a slot: told once, with a lease or with the reason there is none. */
export interface SlotRequester {
  grant(lease: Lease): void;
  reject(error: Error): void;
}

/** A request waiting in the pool's queue, with the timer that bounds its wait. */
export interface SlotWaiter {
  requester: SlotRequester;
  timer: NodeJS.Timeout | undefined;
}
