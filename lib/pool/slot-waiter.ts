import type { Lease } from './lease.js';

/** A call waiting in the pool's queue for a slot. */
export interface SlotWaiter {
  grant(lease: Lease): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}
