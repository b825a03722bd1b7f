import { status } from '@grpc/grpc-js';
import type { Observable, Subscription } from 'rxjs';
import type { EchoService } from './echo-client.js';

/** One call under flapping: what it asked for, what it got, and when it settled. */
export interface FlapCall {
  kind: 'unary' | 'server stream';
  /** Waits for a connection (up to its deadline) instead of failing fast while the backend is down. */
  waitForReady: boolean;
  /** Messages a successful call must deliver: 1 for unary, the stream's length otherwise. */
  expected: number;
  received: number;
  startedAt: number;
  settledAt?: number;
  ok?: boolean;
  code?: number;
}

/** The figures the flapping guard holds the pool to. */
export interface FlapFigures {
  calls: number;
  ok: number;
  /** Failed calls by status name. */
  failed: Record<string, number>;
  /** Calls that completed (OK) with fewer or more messages than they asked for. */
  successesWithoutMessages: number;
  /** The most any call took beyond its deadline (ms; negative when all ended before theirs). */
  maxOvershootMs: number;
  /** Calls still unsettled a grace period after the load stopped. */
  unsettled: number;
  /** Calls whose Observable settled (complete or error) more than once: must be 0. */
  settledMoreThanOnce: number;
}

export interface FlapLoadOptions {
  callers?: number;
  timeoutMs?: number;
  /** Messages each server-stream call asks for, `intervalMs` apart, so a kill can land mid-stream. */
  streamLength?: number;
  intervalMs?: number;
  /** How long `stop()` waits for calls in flight before counting them unsettled. Default: the deadline plus 1 s. */
  settleGraceMs?: number;
}

/**
 * `callers` loops, half unary (Echo), half server streaming (Count), and
 * half of each with `waitForReady` (those wait out the backend's deaths, so
 * their deadlines are what ends them), each making calls back to back with a
 * deadline, recording how each settles.
 * `stop()` makes no new calls, waits a grace period (`settleGraceMs`) for
 * the calls in flight, and counts what never settled.
 */
export function flappingLoad(echo: EchoService, options: FlapLoadOptions = {}) {
  const { callers = 32, timeoutMs = 1000, streamLength = 5, intervalMs = 20 } = options;
  const settleGraceMs = options.settleGraceMs ?? timeoutMs + 1000;
  const calls: FlapCall[] = [];
  let settledMoreThanOnce = 0;
  const pending = new Map<FlapCall, { subscription: Subscription; abandon: () => void }>();
  let running = true;

  const oneCall = (kind: FlapCall['kind'], waitForReady: boolean): Promise<void> => {
    const call: FlapCall = {
      kind,
      waitForReady,
      expected: kind === 'unary' ? 1 : streamLength,
      received: 0,
      startedAt: performance.now(),
    };
    calls.push(call);
    const source: Observable<unknown> =
      kind === 'unary'
        ? echo.echo({ message: 'flap' }, undefined, { timeoutMs, waitForReady })
        : echo.count({ count: streamLength, intervalMs }, undefined, { timeoutMs, waitForReady });
    return new Promise<void>((resolve) => {
      const settle = (ok: boolean, code: number): void => {
        if (call.settledAt !== undefined) {
          settledMoreThanOnce++;
          return;
        }
        call.settledAt = performance.now();
        call.ok = ok;
        call.code = code;
        pending.delete(call);
        resolve();
      };
      const subscription = source.subscribe({
        next: () => call.received++,
        error: (error: unknown) =>
          settle(false, (error as { code?: number }).code ?? status.UNKNOWN),
        complete: () => settle(true, status.OK),
      });
      if (call.settledAt === undefined) pending.set(call, { subscription, abandon: resolve });
    });
  };

  const loop = async (kind: FlapCall['kind'], waitForReady: boolean): Promise<void> => {
    while (running) {
      await oneCall(kind, waitForReady);
      // A dead backend fails calls at once: do not spin.
      if (!calls.at(-1)!.ok) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const loops = Array.from({ length: callers }, (_, i) =>
    loop(i % 2 === 0 ? 'unary' : 'server stream', i % 4 >= 2),
  );

  return {
    calls,
    stop: async (): Promise<FlapFigures> => {
      running = false;
      const giveUpAt = performance.now() + settleGraceMs;
      while (pending.size > 0 && performance.now() < giveUpAt) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const unsettled = pending.size;
      for (const { subscription, abandon } of pending.values()) {
        subscription.unsubscribe();
        abandon();
      }
      await Promise.all(loops);
      return { ...flapFigures(calls, timeoutMs, unsettled), settledMoreThanOnce };
    },
  };
}

function flapFigures(
  calls: FlapCall[],
  timeoutMs: number,
  unsettled: number,
): Omit<FlapFigures, 'settledMoreThanOnce'> {
  const failed: Record<string, number> = {};
  let ok = 0;
  let successesWithoutMessages = 0;
  let maxOvershootMs = -Infinity;
  for (const call of calls) {
    if (call.settledAt === undefined) continue;
    maxOvershootMs = Math.max(maxOvershootMs, call.settledAt - call.startedAt - timeoutMs);
    if (call.ok) {
      ok++;
      if (call.received !== call.expected) successesWithoutMessages++;
    } else {
      const name = status[call.code!] ?? String(call.code);
      failed[name] = (failed[name] ?? 0) + 1;
    }
  }
  return {
    calls: calls.length,
    ok,
    failed,
    successesWithoutMessages,
    maxOvershootMs: Math.round(maxOvershootMs),
    unsettled,
  };
}
