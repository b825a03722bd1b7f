import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, jest } from '@jest/globals';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from '../../lib/details/status-details-codec.js';
import type { GrpcRetryOptions } from '../../lib/interfaces/retry-options.interface.js';
import { resolveRetryPolicy } from '../../lib/policies/retry-policy.js';
import { RetryBudgets } from '../../lib/policies/retry-budgets.js';
import type { PooledCall } from '../../lib/call/pooled-call.js';
import { FakeWireCalls, preparedCall } from './fake-wire-calls.js';

// The real PooledCall and ChannelPool on a fake clock. Only the grpc-js call is
// replaced: the starter hands each attempt's sink to the test, which ends the
// attempt the way grpc-js would. The channel never connects (nothing is sent).
// Shared by lib/call/pooled-call-retry-*.spec.ts.

interface Outcome {
  code: status;
  details: string;
  at: number;
}

/** A failure as grpc-js reports one from the server, with its trailers. */
export function serverError(
  code: status,
  details: string,
  trailers = new Metadata(),
): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: trailers,
  });
}

export function pushback(value: string): Metadata {
  const trailers = new Metadata();
  trailers.set('grpc-retry-pushback-ms', value);
  return trailers;
}

export function retryInfo(seconds: number, nanos: number): Metadata {
  const trailers = new Metadata();
  const retryDelay = { seconds, nanos };
  const detail = { '@type': 'type.googleapis.com/google.rpc.RetryInfo' as const, retryDelay };
  trailers.set(STATUS_DETAILS_KEY, encodeStatusDetails(status.UNAVAILABLE, 'busy', [detail]));
  return trailers;
}

/** One pool, and calls on it whose attempts the test ends. */
export class Harness {
  readonly outcomes: Outcome[] = [];
  private readonly calls: FakeWireCalls;
  /** Each attempt's sink and the time it was sent, in order. */
  readonly attempts: FakeWireCalls['attempts'];
  readonly metrics: FakeWireCalls['metrics'];

  constructor(budgets = new RetryBudgets(0.2, 10)) {
    this.calls = new FakeWireCalls('retry-spec', { budgets });
    this.attempts = this.calls.attempts;
    this.metrics = this.calls.metrics;
  }

  /** Starts a call; `timeoutMs` sets its deadline from now, `signal` can abort it. */
  call(
    retry: GrpcRetryOptions | false = {},
    idempotent = true,
    timeoutMs?: number,
    signal?: AbortSignal,
  ): PooledCall {
    const prepared = preparedCall({
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      retry: resolveRetryPolicy(retry),
      idempotent,
      signal,
    });
    const record = (code: status, details: string): void => {
      this.outcomes.push({ code, details, at: Date.now() });
    };
    const observer = {
      closed: false,
      next: () => undefined,
      error: (error: ServiceError) => record(error.code, error.details),
      complete: () => record(status.OK, ''),
    };
    const call = this.calls.newCall(prepared, observer);
    call.open();
    return call;
  }

  /** Ends the latest attempt with `error` (null: OK), as grpc-js's callback does. */
  settle(error: ServiceError | null, message?: object): void {
    const { sink } = this.attempts[this.attempts.length - 1];
    sink.ended(error?.code ?? status.OK, error?.details ?? '');
    if (message !== undefined) sink.next(message);
    sink.settled(error);
  }

  close(): void {
    this.calls.close();
  }
}

export const dropped = (): ServiceError => serverError(status.UNAVAILABLE, 'Connection dropped');

/**
 * The hooks every retry spec runs around each test: fake timers, jitter fixed
 * at half the ceiling (50 ms before attempt 2, 100 ms before attempt 3 with the
 * defaults of 100 ms x2), a fresh harness handed to `set`; after the test, the
 * harness `get` returns (a test may have replaced it) is closed and let go:
 * its calls are AsyncResources, and --detectOpenHandles counts those the
 * garbage collector has not taken.
 */
export function harnessForEachTest(
  get: () => Harness | undefined,
  set: (harness: Harness | undefined) => void,
): void {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    set(new Harness());
  });
  afterEach(() => {
    get()?.close();
    set(undefined);
    jest.restoreAllMocks();
    jest.useRealTimers();
  });
}
