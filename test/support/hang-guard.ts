/**
 * Settles as `promise` does, or rejects naming `what` once `guardMs` has
 * passed. A hang guard, not a measure: `guardMs` is to be at least ten times
 * what the awaited step should take, so load cannot trip it, while a step
 * that waits for a much longer bound (or forever) does.
 */
export function settlesWithin<T>(promise: Promise<T>, guardMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Hang guard: ${what} did not settle within ${guardMs} ms`)),
      guardMs,
    );
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}
