import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { GatewayTimeoutException, type CallHandler } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { NEVER, concat, defer, of, timer, type Observable } from 'rxjs';
import { GrpcTimeout } from '../decorators/grpc-timeout.decorator.js';
import { GrpcTimeoutInterceptor } from './grpc-timeout.interceptor.js';
import { inheritedDeadline } from '../context/request-context.js';

class Handlers {
  @GrpcTimeout(300)
  budgeted(): void {}

  undecorated(): void {}
}

/** A handler that records the deadline its pooled calls would inherit, then emits `answer$`. */
function recordingHandler(answer$: Observable<unknown>): {
  handler: CallHandler;
  deadlines: (number | undefined)[];
} {
  const deadlines: (number | undefined)[] = [];
  const handle = (): Observable<unknown> =>
    defer(() => {
      deadlines.push(inheritedDeadline());
      return answer$;
    });
  return { handler: { handle }, deadlines };
}

function run(
  method: () => void,
  handler: CallHandler,
): { error: () => unknown; values: unknown[]; unsubscribe: () => void } {
  const context = new ExecutionContextHost([], Handlers, method);
  context.setType('http');
  let error: unknown;
  const values: unknown[] = [];
  const subscription = new GrpcTimeoutInterceptor().intercept(context, handler).subscribe({
    next: (value) => values.push(value),
    error: (e: unknown) => (error = e),
  });
  return { error: () => error, values, unsubscribe: () => subscription.unsubscribe() };
}

describe('GrpcTimeoutInterceptor timing (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives pooled calls the deadline start + 300 ms, and answers 504 at 300 ms, not before', () => {
    const { handler, deadlines } = recordingHandler(NEVER);
    const call = run(Handlers.prototype.budgeted, handler);
    expect(deadlines).toEqual([1_000_300]);
    jest.advanceTimersByTime(299);
    expect(call.error()).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(call.error()).toBeInstanceOf(GatewayTimeoutException);
    expect((call.error() as GatewayTimeoutException).getStatus()).toBe(504);
    expect((call.error() as Error).message).toBe('Request exceeded its 300 ms budget');
  });

  it('lets an answer at 299 ms through', () => {
    const { handler } = recordingHandler(concat(timer(299), of('in time')));
    const call = run(Handlers.prototype.budgeted, handler);
    jest.advanceTimersByTime(299);
    expect(call.values).toEqual([0, 'in time']);
    jest.advanceTimersByTime(10_000);
    expect(call.error()).toBeUndefined();
    call.unsubscribe();
  });

  it('sets no deadline and no timer for an undecorated handler', () => {
    const { handler, deadlines } = recordingHandler(NEVER);
    const call = run(Handlers.prototype.undecorated, handler);
    expect(deadlines).toEqual([undefined]);
    jest.advanceTimersByTime(24 * 3600_000);
    expect(call.error()).toBeUndefined();
    call.unsubscribe();
  });
});
