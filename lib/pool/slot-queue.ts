import type { SlotWaiter } from './slot-waiter.js';

/**
 * First-in, first-out queue of waiting calls with removal from the middle (a
 * waiter whose caller gave up). A doubly-linked list threaded through the
 * waiters: push, shift and remove are O(1), and a waiter that leaves is
 * unlinked at once, so the queue holds exactly the waiters still in it
 * (however many gave up while no slot freed), and a second removal of the
 * same waiter is a cheap `false`.
 */
export class SlotQueue {
  private head: SlotWaiter | undefined;
  private tail: SlotWaiter | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Whether `waiter` is in this queue now. */
  has(waiter: SlotWaiter): boolean {
    return waiter.links?.queue === this;
  }

  push(waiter: SlotWaiter): void {
    if (waiter.links !== undefined) throw new Error('a slot waiter is already queued');
    waiter.links = { queue: this, previous: this.tail, next: undefined };
    if (this.tail === undefined) this.head = waiter;
    else this.tail.links!.next = waiter;
    this.tail = waiter;
    this.count++;
  }

  shift(): SlotWaiter | undefined {
    const waiter = this.head;
    if (waiter !== undefined) this.unlink(waiter);
    return waiter;
  }

  /** Removes a waiter that gave up; false if it was already granted or removed. */
  remove(waiter: SlotWaiter): boolean {
    if (!this.has(waiter)) return false;
    this.unlink(waiter);
    return true;
  }

  /** Empties the queue, handing every waiter to `each`. */
  drain(each: (waiter: SlotWaiter) => void): void {
    for (let waiter = this.shift(); waiter !== undefined; waiter = this.shift()) each(waiter);
  }

  /**
   * Waiters reachable from the queue, counted by walking it: what it keeps
   * alive, which must equal `size` (for tests; O(n)).
   */
  retained(): number {
    let reachable = 0;
    for (let waiter = this.head; waiter !== undefined; waiter = waiter.links!.next) reachable++;
    return reachable;
  }

  private unlink(waiter: SlotWaiter): void {
    const { previous, next } = waiter.links!;
    if (previous === undefined) this.head = next;
    else previous.links!.next = next;
    if (next === undefined) this.tail = previous;
    else next.links!.previous = previous;
    // Cleared, so a waiter that left keeps no neighbour alive, and can never be removed twice.
    waiter.links = undefined;
    this.count--;
  }
}
