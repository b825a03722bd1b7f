import type { SlotWaiter } from './slot-waiter.js';

/**
 * First-in, first-out queue of waiting calls with removal from the middle
 * (a waiter whose caller gave up). A head index keeps `shift` O(1) amortised.
 */
export class SlotQueue {
  private items: (SlotWaiter | undefined)[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(waiter: SlotWaiter): void {
    this.items.push(waiter);
    this.count++;
  }

  shift(): SlotWaiter | undefined {
    while (this.head < this.items.length) {
      const waiter = this.items[this.head];
      this.items[this.head++] = undefined;
      if (waiter !== undefined) {
        this.count--;
        this.compact();
        return waiter;
      }
    }
    this.items = [];
    this.head = 0;
    return undefined;
  }

  /** Removes a waiter that gave up; false if it was already granted or removed. */
  remove(waiter: SlotWaiter): boolean {
    const index = this.items.indexOf(waiter, this.head);
    if (index < 0) return false;
    this.items[index] = undefined;
    this.count--;
    return true;
  }

  /** Empties the queue, handing every waiter to `each`. */
  drain(each: (waiter: SlotWaiter) => void): void {
    for (let waiter = this.shift(); waiter !== undefined; waiter = this.shift()) each(waiter);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
