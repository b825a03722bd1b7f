import { jest } from '@jest/globals';

/** Everything Jest can fake except `Date`: timers, ticks and `performance` stay real, so sockets, deadlines and hang guards run in real time. */
const REAL = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

/**
 * A wall clock the test moves by hand. The pool's policies (ejection
 * periods, recycle backoff, connection age) compare `Date.now()` with a time
 * they stamped; with `Date` frozen, a period ends exactly when the test says,
 * never because the machine was slow, and without sleeping through it. Only
 * `Date` is faked: grpc-js's sockets and timers, and every hang guard, run in
 * real time. Move it only while no call is in flight (a deadline grpc-js has
 * yet to turn into a header would lose the jump). How long the periods are
 * is pinned by the fake-timer unit tests beside the policies in lib/pool/.
 */
export interface PolicyClock {
  /** Moves `Date.now()` forward by `ms`. */
  advance(ms: number): void;
  /** Gives `Date` back (for `afterEach`; safe to call twice). */
  restore(): void;
}

export function freezePolicyClock(): PolicyClock {
  jest.useFakeTimers({ doNotFake: [...REAL], now: Date.now() });
  return {
    advance: (ms) => jest.setSystemTime(Date.now() + ms),
    restore: () => jest.useRealTimers(),
  };
}
