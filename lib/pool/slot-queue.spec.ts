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
});
