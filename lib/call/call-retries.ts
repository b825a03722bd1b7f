import { status, type ServiceError } from '@grpc/grpc-js';
import { retryInfoDelayMs } from '../details/retry-info-delay.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { MAX_DURATION_MS } from '../options/option-rules.js';
import type { RetryToken } from '../policies/retry-budget.js';
import type { RetryBudgets } from '../policies/retry-budgets.js';
import { backoffMs, neverReachedServer, serverPushback } from '../policies/retry-policy.js';
import type { CallRecorder } from '../telemetry/call-recorder.js';
import type { PreparedCall } from './prepare-call.js';

/** What a call's retries ask of the call once a backoff is over. */
export interface RetryingCall {
  /** The backoff is over: the next attempt asks for a slot. */
  begin(): void;
  /** The call fails with `error` (its deadline passed during the backoff). */
  fail(error: ServiceError): void;
}

/** Whether attempt `attempt` could still be replaced by another (so its response headers wait). */
export function mayBeRetried(
  retry: PreparedCall['retry'],
  attempt: number,
  replayable: boolean,
): boolean {
  return retry !== undefined && attempt < retry.maxAttempts && replayable;
}

/**
 * The retries of one call: whether a failed attempt is retried, the backoff
 * before the next attempt, and the budget token that pays for it. Made only
 * when an attempt of a call with a retry policy fails: a call that succeeds
 * at once never has one.
 */
export class CallRetries {
  /** Waiting out a backoff (or the deadline inside it) before the next attempt. */
  private timer: NodeJS.Timeout | undefined;
  /**
   * The retry decided but not sent yet (in its backoff, or waiting for a
   * slot): it is counted when it starts on a channel, and its budget token
   * goes back if it never does.
   */
  private token: RetryToken | undefined;
  private failedWith = status.OK;
  private delayMs = 0;

  constructor(
    private readonly prepared: PreparedCall,
    private readonly budgets: RetryBudgets,
    private readonly recorder: CallRecorder,
    private readonly method: string,
    private readonly call: RetryingCall,
  ) {}

  /** Between attempts: the next one waits out its backoff. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /**
   * After attempt `attempt` failed with `error` (on `failedTarget`): schedules
   * the next attempt when policy, safety, budget and deadline all allow; else false.
   * `replayable`: no response reached the caller and no request stream was consumed.
   */
  scheduleAfter(
    error: ServiceError,
    attempt: number,
    replayable: boolean,
    failedTarget: string,
  ): boolean {
    const { retry, idempotent, deadline } = this.prepared;
    if (retry === undefined) return false;
    if (attempt >= retry.maxAttempts || !retry.retryableCodes.includes(error.code)) return false;
    // A response already delivered, or a request stream already consumed, cannot be replayed.
    if (!replayable) return false;
    if (!idempotent && !neverReachedServer(error.code, error.details ?? '')) return false;
    // The server's own word on when to retry: gRPC's pushback trailer, else a RetryInfo detail.
    const pushback =
      serverPushback(error.metadata) ?? retryInfoDelayMs(error.metadata, MAX_DURATION_MS);
    if (pushback === 'stop') return false;
    // A server that asks for more time than the call has left gets its answer now, not a timeout.
    if (pushback !== undefined && deadline !== undefined && Date.now() + pushback >= deadline) {
      return false;
    }
    // The retry is charged to the backend that failed.
    const token = this.budgets.of(failedTarget).tryWithdraw();
    if (token === undefined) {
      this.recorder.retryRefusedByBudget();
      return false;
    }
    const delay = pushback ?? backoffMs(retry, attempt);
    if (deadline !== undefined && Date.now() + delay >= deadline) {
      // The deadline passes during the backoff: no retry will be sent, so none is paid for.
      // The call fails when the deadline passes, not after.
      token.giveBack();
      this.timer = setTimeout(deadlinePassed, Math.max(0, deadline - Date.now()), this, attempt);
    } else {
      this.token = token;
      this.failedWith = error.code;
      this.delayMs = delay;
      // Not unref()'d: like the call itself, a pending retry is work the caller awaits.
      this.timer = setTimeout(backoffOver, delay, this);
    }
    return true;
  }

  /** Attempt `attempt` starts on a channel: a pending retry is counted once, in stats(), the exporters and the span. */
  attemptStarts(attempt: number): void {
    if (this.token === undefined) return;
    this.token = undefined;
    this.recorder.retried(attempt, this.failedWith, this.delayMs);
  }

  /** The retry in its backoff, or waiting for a slot, will never be sent: its token goes back. */
  abandon(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.token?.giveBack();
    this.token = undefined;
  }

  /** @internal The backoff is over (a timer's argument spares a closure per retry). */
  backoffOver(): void {
    this.timer = undefined;
    this.call.begin();
  }

  /** @internal The deadline passed during the backoff after `attempt` attempts. */
  deadlinePassed(attempt: number): void {
    this.timer = undefined;
    const details = `Deadline exceeded while waiting to retry ${this.method} (after ${attempt} attempts)`;
    this.call.fail(new GrpcPoolCallError(status.DEADLINE_EXCEEDED, details));
  }
}

function backoffOver(retries: CallRetries): void {
  retries.backoffOver();
}

function deadlinePassed(retries: CallRetries, attempt: number): void {
  retries.deadlinePassed(attempt);
}
