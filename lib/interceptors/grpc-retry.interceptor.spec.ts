import 'reflect-metadata';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { CallHandler } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { defer, throwError, type Observable } from 'rxjs';
import { GrpcRetry } from '../decorators/grpc-retry.decorator.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { GrpcRetryInterceptor } from './grpc-retry.interceptor.js';
import { runWithBudget } from '../context/request-context.js';

/** Backoffs 100, 200, 400 ms before jitter; Math.random() pinned to 0.5 halves each. */
class Handlers {
  @GrpcRetry({ maxAttempts: 4, initialBackoffMs: 100, backoffMultiplier: 2, maxBackoffMs: 1000 })
  retried(): void {}
}

/** A handler that fails UNAVAILABLE every time it runs, counting its runs. */
function failingHandler(): { handler: CallHandler; runs: () => number } {
  let runs = 0;
  const handle = (): Observable<never> =>
    defer(() => {
      runs++;
      return throwError(() => new GrpcPoolCallError(status.UNAVAILABLE, 'down'));
    });
  return { handler: { handle }, runs: () => runs };
}

function run(handler: CallHandler): { error: () => unknown; unsubscribe: () => void } {
  const context = new ExecutionContextHost([], Handlers, Handlers.prototype.retried);
  context.setType('http');
  let error: unknown;
  const subscription = new GrpcRetryInterceptor()
    .intercept(context, handler)
    .subscribe({ error: (e: unknown) => (error = e) });
  return { error: () => error, unsubscribe: () => subscription.unsubscribe() };
}

describe('GrpcRetryInterceptor timing (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('re-runs after each jittered backoff (50, 100, 200 ms), never sooner, then fails with the last error', () => {
    const { handler, runs } = failingHandler();
    const call = run(handler);
    expect(runs()).toBe(1);
    jest.advanceTimersByTime(49);
    expect(runs()).toBe(1);
    jest.advanceTimersByTime(1);
    expect(runs()).toBe(2);
    jest.advanceTimersByTime(99);
    expect(runs()).toBe(2);
    jest.advanceTimersByTime(1);
    expect(runs()).toBe(3);
    jest.advanceTimersByTime(199);
    expect(runs()).toBe(3);
    expect(call.error()).toBeUndefined();
    jest.advanceTimersByTime(1);
    // maxAttempts 4: the fourth failure is the answer.
    expect(runs()).toBe(4);
    expect(call.error()).toMatchObject({ code: status.UNAVAILABLE });
    jest.advanceTimersByTime(60_000);
    expect(runs()).toBe(4);
  });

  it('inside a 250 ms budget, starts no backoff that would outlast it: fails at once at 150 ms', () => {
    const { handler, runs } = failingHandler();
    // Fake timers run callbacks in the caller's async context: advance the clock inside the
    // budget, as the real timers would carry it.
    runWithBudget({ deadline: Date.now() + 250 }, () => {
      const call = run(handler);
      jest.advanceTimersByTime(149);
      expect(runs()).toBe(2);
      expect(call.error()).toBeUndefined();
      jest.advanceTimersByTime(1);
      // Re-runs at 50 and 150 ms fitted; a 200 ms wait from 150 ms would end past 250 ms.
      expect(runs()).toBe(3);
      expect(call.error()).toMatchObject({ code: status.UNAVAILABLE });
      jest.advanceTimersByTime(60_000);
      expect(runs()).toBe(3);
    });
  });

  it('stops re-running when the caller unsubscribes during a backoff', () => {
    const { handler, runs } = failingHandler();
    const call = run(handler);
    jest.advanceTimersByTime(10);
    call.unsubscribe();
    jest.advanceTimersByTime(60_000);
    expect(runs()).toBe(1);
  });
});
