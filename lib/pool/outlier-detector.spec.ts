import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { POOL_DEFAULTS } from '../options/pool-defaults.js';
import { OutlierDetector, outlierOutcome, type OutlierPolicy } from './outlier-detector.js';

// The detector reads Date.now(): fake timers make every period exact.

const A = '10.0.0.1:50051';
const B = '10.0.0.2:50051';
const C = '10.0.0.3:50051';
const POLICY: OutlierPolicy = {
  consecutiveFailures: 5,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
};
const START = 1_000_000;

interface Change {
  at: number;
  target: string;
  ejected: boolean;
  detail: string;
}

function detector(backends = 2, policy = POLICY): { outliers: OutlierDetector; changes: Change[] } {
  const changes: Change[] = [];
  const outliers = new OutlierDetector(
    () => backends,
    policy,
    (target, ejected, detail) => changes.push({ at: Date.now() - START, target, ejected, detail }),
  );
  return { outliers, changes };
}

function failTimes(outliers: OutlierDetector, target: string, times: number): void {
  for (let i = 0; i < times; i++) outliers.report(target, 'failed');
}

/** After the period: the probe call is placed on `target` and ends with `outcome`. */
function probe(outliers: OutlierDetector, target: string, outcome: 'ok' | 'failed'): void {
  expect(outliers.blocks(target)).toBe(false);
  outliers.placed(target);
  outliers.report(target, outcome);
}

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('OutlierDetector', () => {
  it('uses the documented defaults: 5 failures in a row, 30 s doubling up to 300 s', () => {
    expect(POOL_DEFAULTS.outlierDetection).toEqual(POLICY);
  });

  it('ejects a backend on its 5th UNAVAILABLE in a row, for exactly 30 s', () => {
    const { outliers, changes } = detector();
    failTimes(outliers, A, 4);
    expect(outliers.blocks(A)).toBe(false);
    outliers.report(A, 'failed');
    expect(outliers.blocks(A)).toBe(true);
    expect(outliers.ejected()).toEqual(new Map([[A, START + 30_000]]));
    expect(changes).toEqual([
      {
        at: 0,
        target: A,
        ejected: true,
        detail: '5 calls in a row failed: no calls for 30000 ms, then one probe call',
      },
    ]);
    jest.advanceTimersByTime(29_999);
    expect(outliers.blocks(A)).toBe(true);
    jest.advanceTimersByTime(1);
    expect(outliers.blocks(A)).toBe(false);
    // The other backend was never held back.
    expect(outliers.blocks(B)).toBe(false);
  });

  it('lets one probe through after the period; its success admits the backend again', () => {
    const { outliers, changes } = detector();
    failTimes(outliers, A, 5);
    jest.advanceTimersByTime(30_000);
    outliers.placed(A);
    // While the probe is out, other calls still keep away.
    expect(outliers.blocks(A)).toBe(true);
    outliers.report(A, 'ok');
    expect(outliers.blocks(A)).toBe(false);
    expect(outliers.ejected().size).toBe(0);
    expect(changes.map(({ at, ejected }) => [at, ejected])).toEqual([
      [0, true],
      [30_000, false],
    ]);
  });

  it('doubles the period with each ejection in a row (30, 60, 120, 240 s), then holds it at 300 s', () => {
    const { outliers, changes } = detector();
    failTimes(outliers, A, 5);
    const periods: number[] = [];
    for (let ejection = 1; ejection <= 6; ejection++) {
      const until = outliers.ejected().get(A)!;
      periods.push(until - Date.now());
      // Still ejected 1 ms before the end of each period.
      jest.advanceTimersByTime(until - Date.now() - 1);
      expect(outliers.blocks(A)).toBe(true);
      jest.advanceTimersByTime(1);
      probe(outliers, A, 'failed');
    }
    expect(periods).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    expect(changes.map(({ at }) => at)).toEqual([
      0, 30_000, 90_000, 210_000, 450_000, 750_000, 1_050_000,
    ]);
    expect(changes[1].detail).toBe(
      'its probe call failed: no calls for 60000 ms, then one probe call',
    );
  });

  it('starts again from 30 s once a probe has succeeded', () => {
    const { outliers } = detector();
    failTimes(outliers, A, 5);
    jest.advanceTimersByTime(30_000);
    probe(outliers, A, 'failed');
    jest.advanceTimersByTime(60_000);
    probe(outliers, A, 'ok');
    jest.advanceTimersByTime(5_000);
    failTimes(outliers, A, 5);
    expect(outliers.ejected().get(A)).toBe(Date.now() + 30_000);
  });

  it('needs the failures in a row: any answer from the backend starts the count again', () => {
    const { outliers } = detector();
    failTimes(outliers, A, 4);
    outliers.report(A, outlierOutcome(status.NOT_FOUND));
    failTimes(outliers, A, 4);
    expect(outliers.blocks(A)).toBe(false);
    // Cancelled and deadline prove nothing either way: they neither count nor break the run.
    outliers.report(A, outlierOutcome(status.DEADLINE_EXCEEDED));
    outliers.report(A, outlierOutcome(status.CANCELLED));
    expect(outliers.blocks(A)).toBe(false);
    outliers.report(A, outlierOutcome(status.UNAVAILABLE));
    expect(outliers.blocks(A)).toBe(true);
  });

  it('does not admit a backend on an answer that comes back during its period', () => {
    const { outliers } = detector();
    failTimes(outliers, A, 5);
    jest.advanceTimersByTime(10_000);
    // A call placed before the ejection answers late.
    outliers.report(A, 'ok');
    expect(outliers.blocks(A)).toBe(true);
    expect(outliers.ejected().get(A)).toBe(START + 30_000);
  });

  it('takes a call placed within its period (every other backend failing) for no probe: the probe comes after it', () => {
    const { outliers, changes } = detector();
    failTimes(outliers, A, 5);
    jest.advanceTimersByTime(10_000);
    outliers.placed(A);
    outliers.report(A, 'ok');
    expect(outliers.blocks(A)).toBe(true);
    // Past the period, the next call is the probe, as if none had come in between.
    jest.advanceTimersByTime(20_000);
    probe(outliers, A, 'ok');
    expect(changes.map((c) => [c.at, c.target, c.ejected])).toEqual([
      [0, A, true],
      [30_000, A, false],
    ]);
  });

  it('frees the way for another probe when a probe proves nothing', () => {
    const { outliers } = detector();
    failTimes(outliers, A, 5);
    jest.advanceTimersByTime(30_000);
    outliers.placed(A);
    expect(outliers.blocks(A)).toBe(true);
    outliers.report(A, 'inconclusive');
    // Not admitted, not ejected again: the next call is the probe.
    expect(outliers.blocks(A)).toBe(false);
    expect(outliers.ejected().get(A)).toBe(START + 30_000);
  });

  it('never ejects more than half of the backends at once', () => {
    const { outliers } = detector(4);
    failTimes(outliers, A, 5);
    failTimes(outliers, B, 5);
    failTimes(outliers, C, 20);
    expect([...outliers.ejected().keys()]).toEqual([A, B]);
    expect(outliers.blocks(C)).toBe(false);
    // A is admitted again: C's next failure in its run takes the place.
    jest.advanceTimersByTime(30_000);
    probe(outliers, A, 'ok');
    outliers.report(C, 'failed');
    expect([...outliers.ejected().keys()]).toEqual([B, C]);
  });

  it('ejects nothing with a single backend, and one of two at most', () => {
    const single = detector(1).outliers;
    failTimes(single, A, 50);
    expect(single.blocks(A)).toBe(false);
    const two = detector(2).outliers;
    failTimes(two, A, 5);
    failTimes(two, B, 50);
    expect([...two.ejected().keys()]).toEqual([A]);
  });

  it('ejects an unreachable backend at once, not again during its period, and for twice as long past it', () => {
    const { outliers, changes } = detector();
    outliers.unreachable(A);
    expect(outliers.ejected().get(A)).toBe(START + 30_000);
    jest.advanceTimersByTime(29_999);
    outliers.unreachable(A);
    expect(outliers.ejected().get(A)).toBe(START + 30_000);
    jest.advanceTimersByTime(1);
    outliers.unreachable(A);
    expect(outliers.ejected().get(A)).toBe(START + 30_000 + 60_000);
    expect(changes.map(({ at, detail }) => [at, detail])).toEqual([
      [0, 'its connection failed: no calls for 30000 ms, then one probe call'],
      [30_000, 'its connection failed: no calls for 60000 ms, then one probe call'],
    ]);
  });

  it('frees an ejected backend’s place under the cap when discovery drops it', () => {
    const { outliers } = detector(2);
    failTimes(outliers, A, 5);
    failTimes(outliers, B, 5);
    expect(outliers.blocks(B)).toBe(false);
    outliers.forget(A);
    outliers.report(B, 'failed');
    expect([...outliers.ejected().keys()]).toEqual([B]);
  });

  it('takes the configured figures: 2 failures, 1 s doubling up to 3 s', () => {
    const { outliers } = detector(2, {
      consecutiveFailures: 2,
      baseEjectionMs: 1000,
      maxEjectionMs: 3000,
    });
    failTimes(outliers, A, 2);
    const periods = [];
    for (let i = 0; i < 4; i++) {
      const until = outliers.ejected().get(A)!;
      periods.push(until - Date.now());
      jest.advanceTimersByTime(until - Date.now());
      probe(outliers, A, 'failed');
    }
    expect(periods).toEqual([1000, 2000, 3000, 3000]);
  });
});
