import { firstValueFrom } from 'rxjs';
import type { EchoService } from './echo-client.js';

/** One call's outcome, timed. */
export interface CallRecord {
  startedAt: number;
  endedAt: number;
  ok: boolean;
  code?: number;
  /** The backend (server-side peer is not the backend: the reply names the server's view of us). */
  details?: string;
}

/** `callers` loops making unary calls back to back until `stop()`; every call has a deadline. */
export function steadyLoad(echo: EchoService, callers: number, timeoutMs = 1000) {
  const records: CallRecord[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const startedAt = Date.now();
      try {
        await firstValueFrom(echo.echo({ message: 'load' }, undefined, { timeoutMs }));
        records.push({ startedAt, endedAt: Date.now(), ok: true });
      } catch (error: unknown) {
        const { code, details } = error as { code?: number; details?: string };
        records.push({ startedAt, endedAt: Date.now(), ok: false, code, details });
        // A failing backend answers at once: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  const loops = Array.from({ length: callers }, loop);
  return {
    records,
    stop: async (): Promise<CallRecord[]> => {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}
