/**
 * Polls `condition` (sync or async) until it holds; fails with `what` after `timeoutMs`.
 * Every wait has a bound: a hang guard, so give it ample room (10x what it guards).
 * Measured with `performance.now()`, which keeps running when a test freezes `Date` (policy-clock.ts).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > giveUpAt)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A pause, for tests that let time pass on purpose (a backoff, an ejection period). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
