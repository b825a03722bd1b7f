import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { BehaviorSubject } from 'rxjs';
import type { GrpcPoolState } from '../interfaces/stats.interface.js';
import { waitForStartupState, type StartupWaitOutcome } from './startup-wait.js';

/** The wait's outcome once it has one; undefined while it still waits. */
function watch(wait: Promise<StartupWaitOutcome>): { outcome?: StartupWaitOutcome } {
  const seen: { outcome?: StartupWaitOutcome } = {};
  void wait.then((outcome) => (seen.outcome = outcome));
  return seen;
}

describe('waitForStartupState (startup.waitForReady)', () => {
  let state$: BehaviorSubject<GrpcPoolState>;

  beforeEach(() => {
    jest.useFakeTimers();
    state$ = new BehaviorSubject<GrpcPoolState>('connecting');
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('times out exactly at timeoutMs while the pool is connecting or down', async () => {
    const wait = watch(waitForStartupState(state$, 500, 0));
    await jest.advanceTimersByTimeAsync(300);
    state$.next('down');
    await jest.advanceTimersByTimeAsync(199);
    expect(wait.outcome).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(wait.outcome).toBe('timed out');
  });

  it('counts the time already spent (a DNS resolution) against the timeout', async () => {
    const wait = watch(waitForStartupState(state$, 500, 200));
    await jest.advanceTimersByTimeAsync(299);
    expect(wait.outcome).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(wait.outcome).toBe('timed out');
  });

  it('gives the channels 1 ms when the time spent used up the whole timeout', async () => {
    const wait = watch(waitForStartupState(state$, 500, 800));
    await jest.advanceTimersByTimeAsync(0);
    expect(wait.outcome).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(wait.outcome).toBe('timed out');
  });

  it.each(['ready', 'degraded', 'draining'] as const)(
    'ends as soon as the pool is %s, with no time passing',
    async (state) => {
      const wait = watch(waitForStartupState(state$, 500, 0));
      await jest.advanceTimersByTimeAsync(100);
      state$.next(state);
      await jest.advanceTimersByTimeAsync(0);
      expect(wait.outcome).toBe(state);
    },
  );

  it('ends at once, as closed, when the pool closes during start-up (its state stream completes)', async () => {
    const wait = watch(waitForStartupState(state$, 10 * 60_000, 0));
    await jest.advanceTimersByTimeAsync(100);
    state$.complete();
    await jest.advanceTimersByTimeAsync(0);
    expect(wait.outcome).toBe('closed');
    // Nothing is left waiting: the timeout went with the wait.
    expect(jest.getTimerCount()).toBe(0);
  });
});
