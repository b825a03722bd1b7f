import { filter, firstValueFrom, of, timeout, type Observable } from 'rxjs';
import type { GrpcPoolState } from '../interfaces/stats.interface.js';

/** How a start-up wait ended: a state that can carry calls (or a shutdown), the timeout, or a pool closed meanwhile. */
export type StartupWaitOutcome = GrpcPoolState | 'timed out' | 'closed';

/**
 * Waits for the pool to leave `connecting`/`down`, for what is left of
 * `startup.timeoutMs` after `spentMs` (at least 1 ms: a DNS wait that used
 * the whole budget still gives the channels one look).
 * @internal
 */
export function waitForStartupState(
  state$: Observable<GrpcPoolState>,
  timeoutMs: number,
  spentMs: number,
): Promise<StartupWaitOutcome> {
  return firstValueFrom(
    state$.pipe(
      filter((state) => state !== 'connecting' && state !== 'down'),
      timeout({ first: Math.max(1, timeoutMs - spentMs), with: () => of('timed out' as const) }),
    ),
    // Completed without a match: the pool was closed during start-up.
    { defaultValue: 'closed' as const },
  );
}
