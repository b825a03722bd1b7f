import type { Lease } from './lease.js';
import type { SlotQueue } from './slot-queue.js';

/** Whoever asks the pool for a slot: told once, with a lease or with the reason there is none. */
export interface SlotRequester {
  grant(lease: Lease): void;
  reject(error: Error): void;
}

/** A request waiting in the pool's queue, with the timer that bounds its wait. */
export interface SlotWaiter {
  requester: SlotRequester;
  timer: NodeJS.Timeout | undefined;
  /**
   * The queue's links, kept on the waiter itself (an intrusive list) so that a
   * waiter leaves from anywhere in the queue in O(1). Set only by SlotQueue.
   */
  links?: SlotLinks;
}

/** Where a waiter sits in its queue; gone (undefined) once it left. */
interface SlotLinks {
  readonly queue: SlotQueue;
  previous: SlotWaiter | undefined;
  next: SlotWaiter | undefined;
}
