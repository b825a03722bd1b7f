import { describe, expect, it } from '@jest/globals';
import { LONGEST_RECYCLE_DELAY_MS, RecycleBackoff } from './recycle-backoff.js';

const A = '10.0.0.1:50051';
const B = '10.0.0.2:50051';

/** Times (ms) at which a backend failing at every `everyMs` gets replacements, over `forMs`. */
function replacementTimes(backoff: RecycleBackoff, everyMs: number, forMs: number): number[] {
  const times: number[] = [];
  for (let now = 0; now <= forMs; now += everyMs) {
    backoff.failed(A, now);
    if (backoff.take(A, now) !== undefined) times.push(now);
  }
  return times;
}

describe('RecycleBackoff', () => {
  it('allows one replacement at once, then after 1 s, 2 s, 4 s ... up to 30 s, per backend', () => {
    const backoff = new RecycleBackoff();
    expect(replacementTimes(backoff, 10, 100_000)).toEqual([
      0, 1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000,
    ]);
    // Another backend has its own backoff.
    expect(backoff.take(B, 100_000)?.step).toBe(1);
  });

  it('does not start over while failures keep coming, whatever answers come between them', () => {
    const backoff = new RecycleBackoff();
    // The pool tells it only of failures: answers between them (NOT_FOUND, OK) leave it as it is.
    const times = replacementTimes(backoff, 900, 60_000);
    expect(times.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < times.length; i++)
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
  });

  it('starts over once the backend has gone as long as its next wait without a failure', () => {
    const backoff = new RecycleBackoff();
    expect(backoff.take(A, 0)?.nextDelayMs).toBe(1000);
    backoff.failed(A, 1000);
    expect(backoff.take(A, 1000)?.nextDelayMs).toBe(2000);
    // 3.9 s without a failure is shorter than the next wait (4 s): still backing off.
    backoff.failed(A, 4900);
    expect(backoff.take(A, 4900)?.nextDelayMs).toBe(4000);
    // 8 s quiet: recovered; a new fault starts from the first step.
    backoff.failed(A, 12_900);
    expect(backoff.take(A, 12_900)).toEqual({ step: 1, nextDelayMs: 1000, grew: true });
  });

  it('marks only the steps whose wait grew, so repeats at the longest wait are not warnings', () => {
    const backoff = new RecycleBackoff();
    const steps = [];
    for (let now = 0; now <= 200_000; now += 500) {
      backoff.failed(A, now);
      const step = backoff.take(A, now);
      if (step !== undefined) steps.push(step);
    }
    const warned = steps.filter((step) => step.grew);
    expect(warned.map((step) => step.nextDelayMs)).toEqual([
      1000,
      2000,
      4000,
      8000,
      16_000,
      LONGEST_RECYCLE_DELAY_MS,
    ]);
    expect(steps.length).toBeGreaterThan(warned.length);
  });
});
