import { firstValueFrom } from 'rxjs';
import type { EchoService } from './echo-client.js';

/**
 * One call's outcome, placed in the order of events: `startedSeq` and
 * `endedSeq` come from one counter shared with `mark()`, so "started after
 * the restart" is a fact about order, not a comparison of clock readings.
 */
export interface CallRecord {
  startedSeq: number;
  endedSeq: number;
  /** Clock readings (epoch ms), for bench/faults.ts, which prints figures; tests assert on the order above. */
  startedAt: number;
  endedAt: number;
  ok: boolean;
  code?: number;
  details?: string;
}

/** `callers` loops making unary calls back to back until `stop()`; every call has a deadline. */
export function steadyLoad(echo: EchoService, callers: number, timeoutMs = 1000) {
  const records: CallRecord[] = [];
  let seq = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const startedSeq = ++seq;
      const startedAt = Date.now();
      try {
        await firstValueFrom(echo.echo({ message: 'load' }, undefined, { timeoutMs }));
        records.push({ startedSeq, endedSeq: ++seq, startedAt, endedAt: Date.now(), ok: true });
      } catch (error: unknown) {
        const { code, details } = error as { code?: number; details?: string };
        records.push({
          startedSeq,
          endedSeq: ++seq,
          startedAt,
          endedAt: Date.now(),
          ok: false,
          code,
          details,
        });
        // A failing backend answers at once: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  const loops = Array.from({ length: callers }, loop);
  return {
    records,
    /** A point in the order of events (e.g. "the backend was killed here"). */
    mark: (): number => ++seq,
    stop: async (): Promise<CallRecord[]> => {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}
