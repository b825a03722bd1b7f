import { describe, expect, it } from '@jest/globals';
import { SlotQueue } from './slot-queue.js';
import type { SlotWaiter } from './slot-waiter.js';

const waiter = (id: number): SlotWaiter & { id: number } => ({
  id,
  requester: { grant: () => undefined, reject: () => undefined },
  timer: undefined,
});

describe('SlotQueue', () => {
  it('is first in, first out, and skips waiters removed from the middle', () => {
    const queue = new SlotQueue();
    const [a, b, c] = [waiter(1), waiter(2), waiter(3)];
    queue.push(a);
    queue.push(b);
    queue.push(c);
    expect(queue.remove(b)).toBe(true);
    expect(queue.remove(b)).toBe(false);
    expect(queue.size).toBe(2);
    expect(queue.shift()).toBe(a);
    expect(queue.shift()).toBe(c);
    expect(queue.shift()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('keeps order and size right across many pushes, shifts and removals', () => {
    const queue = new SlotQueue();
    const expected: number[] = [];
    const live = new Map<number, SlotWaiter>();
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) {
        const w = waiter(next);
        queue.push(w);
        live.set(next, w);
        expected.push(next++);
      }
      // Withdraw every seventh waiter, then serve sixty.
      for (const id of expected.filter((id) => id % 7 === 0)) {
        expect(queue.remove(live.get(id)!)).toBe(true);
        expected.splice(expected.indexOf(id), 1);
      }
      for (let i = 0; i < 60 && expected.length > 0; i++) {
        expect((queue.shift() as ReturnType<typeof waiter>).id).toBe(expected.shift());
      }
      expect(queue.size).toBe(expected.length);
    }
    const drained: number[] = [];
    queue.drain((w) => drained.push((w as ReturnType<typeof waiter>).id));
    expect(drained).toEqual(expected);
    expect(queue.size).toBe(0);
  });

  it('a second removal of the same waiter, or of one never queued, is false and changes nothing', () => {
    const queue = new SlotQueue();
    const [a, b, stranger] = [waiter(1), waiter(2), waiter(3)];
    queue.push(a);
    queue.push(b);
    expect(queue.remove(a)).toBe(true);
    expect(queue.remove(a)).toBe(false);
    expect(queue.remove(stranger)).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.retained()).toBe(1);
    expect(queue.shift()).toBe(b);
    // Shifted out: a late withdrawal of it is a no-op too.
    expect(queue.remove(b)).toBe(false);
    expect(queue.size).toBe(0);
  });

  it('keeps nothing of waiters that gave up while none was served', () => {
    const queue = new SlotQueue();
    const gaveUp = Array.from({ length: 10_000 }, (_, id) => waiter(id));
    for (const w of gaveUp) queue.push(w);
    // Oldest first, as deadlines set in order pass; then the rest, newest first.
    for (const w of gaveUp.slice(0, 5_000)) expect(queue.remove(w)).toBe(true);
    for (const w of gaveUp.slice(5_000).reverse()) expect(queue.remove(w)).toBe(true);
    expect(queue.size).toBe(0);
    expect(queue.retained()).toBe(0);
    // A waiter that left links to no other: it keeps none of them alive.
    expect(gaveUp.every((w) => w.links === undefined)).toBe(true);
    const next = waiter(-1);
    queue.push(next);
    expect(queue.retained()).toBe(1);
    expect(queue.shift()).toBe(next);
  });

  it('retains exactly the waiters still queued, whatever order they leave in', () => {
    const queue = new SlotQueue();
    const all = Array.from({ length: 300 }, (_, id) => waiter(id));
    for (const w of all) queue.push(w);
    for (const w of all.filter((w) => w.id % 3 !== 0)) queue.remove(w);
    expect(queue.retained()).toBe(100);
    expect(queue.size).toBe(100);
    const served: number[] = [];
    queue.drain((w) => served.push((w as ReturnType<typeof waiter>).id));
    expect(served).toEqual(all.filter((w) => w.id % 3 === 0).map((w) => w.id));
    expect(queue.retained()).toBe(0);
  });

  it('refuses a waiter that is queued already, so no waiter is ever in the list twice', () => {
    const queue = new SlotQueue();
    const a = waiter(1);
    queue.push(a);
    expect(() => queue.push(a)).toThrow('already queued');
    expect(queue.size).toBe(1);
  });
});
