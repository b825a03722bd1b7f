import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { AsyncResource } from 'node:async_hooks';
import type { Unsubscribable } from 'rxjs';
import { attachStatusDetails } from '../details/attach-status-details.js';
import { retryInfoDelayMs } from '../details/retry-info-delay.js';
import { MAX_DURATION_MS } from '../options/option-rules.js';
import { callFailures } from '../errors/call-failures.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { backoffMs, neverReachedServer, serverPushback } from '../policies/retry-policy.js';
import type { RetryToken } from '../policies/retry-budget.js';
import type { Lease } from '../pool/lease.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { SlotRequester } from '../pool/slot-waiter.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import type { GrpcCallContext } from '../interfaces/call-interceptor.interface.js';
import { CallRecorder } from '../telemetry/call-recorder.js';
import type { MethodTelemetry } from '../telemetry/method-telemetry.js';
import { abortFailure } from './abort-failure.js';
import { unwatchAbort, watchAbort, type AbortWatcher } from './abort-watch.js';
import { asServiceError } from './as-service-error.js';
import { runAfterAttempt, runBeforeAttempt } from './attempt-interceptors.js';
import type { AbortableCall } from './call-admission.js';
import type { CallContext } from './call-context.js';
import type { CallObserver } from './call-observer.js';
import type { CallSink, CancellableCall } from './call-sink.js';
import type { CallStarter } from './call-starters.js';
import type { PreparedCall } from './prepare-call.js';
import type { RequestSource } from './request-source.js';

const noop = (): void => undefined;

/** A retry decided after a failed attempt: the budget token that pays for it and what its span event says. */
interface PendingRetry {
  token: RetryToken;
  failedWith: status;
  delayMs: number;
}

/**
 * One call, from its first request for a slot to its final outcome, across
 * retries, whichever facade made it. It is the pool's requester, each
 * attempt's sink and the caller's teardown at once: one object per call on
 * the hot path instead of a handful of closures.
 *
 * It is also the async context the call was made in. Whatever reaches it
 * from elsewhere (a slot another call freed, grpc-js events, which run in
 * the context of the connection, a drain) runs in that context, so its
 * interceptors, its subscriber and anything they start see their own
 * request's `AsyncLocalStorage`, never another's. Timers it sets from there
 * (backoff, queue wait) keep that context by themselves.
 */
export class PooledCall
  extends AsyncResource
  implements SlotRequester, CallSink<object>, Unsubscribable, AbortableCall, AbortWatcher
{
  private lease: Lease | undefined;
  private call: CancellableCall | undefined;
  /** The current attempt holds a slot and has not had its final status. */
  private attemptOpen = false;
  /** The outcome reached the subscriber (and the metrics). */
  private done = false;
  /** Attempts started on a channel: the current one's number (0 before the first starts). */
  private attempt = 0;
  /** A response message reached the subscriber: replaying would duplicate it. */
  private received = false;
  private lastChannel: PooledChannel | undefined;
  /** Waiting in the pool's queue for a slot. */
  private queued = false;
  /** Waiting out a backoff before the next attempt. */
  private retryTimer: NodeJS.Timeout | undefined;
  /**
   * The retry decided but not sent yet (in its backoff, or waiting for a
   * slot): it is counted when it starts on a channel, and its budget token
   * goes back if it never does.
   */
  private pendingRetry: PendingRetry | undefined;
  /** Takes the call out of the pool's queue; noop whenever it is not in it. */
  private withdraw: () => void = noop;
  /** The current attempt as call interceptors see it (only when there are any). */
  private attemptContext: GrpcCallContext | undefined;
  /** The call's clocks, traffic and span, for stats() and the exporters. */
  private readonly recorder: CallRecorder;
  /** Inside `begin()`: a slot granted now is granted in the call's own context. */
  private beginning = false;
  /** Bounds async `beforeAttempt` hooks by the call's deadline: grpc-js's starts only once sent. */
  private hooksTimer: NodeJS.Timeout | undefined;
  /** The current attempt's response headers, held for `onHeader` while a retry could still replace it. */
  private heldHeaders: Metadata | undefined;
  /** The current attempt's trailers, for `onTrailer` once its outcome is delivered. */
  private trailers: Metadata | undefined;
  /** `onHeader` or `onTrailer` is set: the starters report the metadata they would otherwise skip. */
  readonly wantsResponseMetadata: boolean;

  constructor(
    private readonly context: CallContext,
    private readonly method: PoolMethod,
    private readonly start: CallStarter,
    private readonly request: unknown,
    private readonly requests: RequestSource<object> | undefined,
    private readonly prepared: PreparedCall,
    private readonly subscriber: CallObserver<object>,
    startedAt: number,
    telemetry: MethodTelemetry,
  ) {
    super('nestjs-grpc-pool.call');
    // Made here, inside the subscribe: the span's parent is the caller's active context.
    this.recorder = new CallRecorder(telemetry, method, startedAt);
    this.wantsResponseMetadata =
      prepared.onHeader !== undefined || prepared.onTrailer !== undefined;
  }

  /**
   * The first request for a slot. A call whose signal is already aborted
   * sends nothing; otherwise the signal is watched until the call ends.
   */
  open(): void {
    const { signal } = this.prepared;
    if (signal !== undefined) {
      if (signal.aborted) {
        return this.fail(abortFailure(this.method.path, signal.reason, 'before it was sent'));
      }
      try {
        watchAbort(signal, this);
      } catch (error: unknown) {
        const reason = error instanceof Error ? error.message : String(error);
        const problem = `options.signal could not be watched: ${reason}`;
        return this.fail(callFailures.invalidArgument(this.context.label, problem));
      }
    }
    this.begin();
  }

  /** The signal aborted. */
  aborted(): void {
    const reason = this.prepared.signal?.reason;
    const when = this.queued
      ? 'while it waited for a slot (queued)'
      : this.retryTimer !== undefined
        ? 'while it waited to retry'
        : 'while it ran';
    this.runInAsyncScope(this.fail, this, abortFailure(this.method.path, reason, when));
  }

  /** Asks the pool for a slot; the attempt starts in `grant`, now or once a slot frees. */
  private begin(): void {
    this.retryTimer = undefined;
    this.queued = true;
    this.recorder.askingForSlot(this.attempt === 0);
    this.beginning = true;
    const withdraw = this.context.pool.acquire(this.prepared.deadline, this, this.lastChannel);
    this.beginning = false;
    // Granted or refused at once: the call never entered the queue.
    if (this.queued) this.withdraw = withdraw;
  }

  grant(lease: Lease): void {
    if (this.beginning) this.startAttempt(lease);
    else this.runInAsyncScope(this.startAttempt, this, lease);
  }

  private startAttempt(lease: Lease): void {
    // Granted inside begin(): the slot was free at once.
    const waitedMs = this.beginning ? 0 : this.recorder.waitedForSlot();
    // The pool took the call out of its queue to grant it.
    this.withdraw = noop;
    this.queued = false;
    this.call = undefined;
    this.heldHeaders = undefined;
    this.trailers = undefined;
    if (this.subscriber.closed || this.done) {
      this.abandonRetry();
      return lease.release();
    }
    this.attempt++;
    // A retry counts only now that it starts on a channel; the budget token it took is kept for good.
    if (this.pendingRetry !== undefined) this.retryStarts(this.pendingRetry);
    this.recorder.attemptStarted(waitedMs, lease.readyAtGrant);
    this.lease = lease;
    this.lastChannel = lease.channel;
    // A call earns retries from the backend its first attempt goes to.
    if (this.attempt === 1) this.context.budgets.of(lease.channel.target).deposit();
    this.attemptOpen = true;
    const { interceptors } = this.prepared;
    if (interceptors.length === 0) return this.send(this.prepared);
    const changesMetadata = interceptors.some((interceptor) => interceptor.beforeAttempt);
    const attempt: GrpcCallContext = {
      pool: this.context.label,
      method: this.method.path,
      attempt: this.attempt,
      // Each attempt gets fresh metadata, so what a hook adds is never added twice. Observers
      // (afterAttempt only) cannot change what is sent: they see the call's own.
      metadata: changesMetadata ? this.prepared.metadata.clone() : this.prepared.metadata,
      deadline: this.prepared.deadline,
    };
    this.attemptContext = attempt;
    if (!changesMetadata) return this.send(this.prepared);
    let hooksDone = false;
    runBeforeAttempt(interceptors, attempt, (error) => {
      hooksDone = true;
      // The attempt already ended while the hooks ran (its deadline passed, or it was cancelled).
      if (this.lease !== lease) return;
      clearTimeout(this.hooksTimer);
      this.hooksTimer = undefined;
      if (error !== undefined) {
        this.ended(status.CANCELLED, error.message);
        return this.fail(asServiceError(error));
      }
      if (this.subscriber.closed)
        return this.ended(status.CANCELLED, 'Cancelled before it was sent');
      this.send({ ...this.prepared, metadata: attempt.metadata });
    });
    const { deadline } = this.prepared;
    if (!hooksDone && deadline !== undefined && Number.isFinite(deadline)) {
      // Set in the call's own context, so it fires there too. Not unref()'d: the call is awaited.
      this.hooksTimer = setTimeout(() => this.hooksOutlivedDeadline(), deadline - Date.now());
    }
  }

  /** An async `beforeAttempt` (a token service that hangs) still runs at the call's deadline. */
  private hooksOutlivedDeadline(): void {
    this.hooksTimer = undefined;
    const details =
      `Deadline exceeded while call interceptors prepared attempt ${this.attempt} of ` +
      this.method.path;
    this.ended(status.DEADLINE_EXCEEDED, details);
    this.fail(new GrpcPoolCallError(status.DEADLINE_EXCEEDED, details));
  }

  private send(prepared: PreparedCall): void {
    try {
      const { client } = this.lease!.channel;
      const { wire } = this.recorder;
      const traced = this.recorder.traced(prepared);
      this.call = this.start(client, wire, this.request, this.requests, traced, this);
    } catch (error: unknown) {
      // grpc-js refused the call synchronously (e.g. a closed channel): it never reached the wire.
      const serviceError = asServiceError(error, status.INTERNAL);
      this.ended(serviceError.code, serviceError.details);
      this.attemptFailed(serviceError);
    }
  }

  /** No slot: the pool is closed, exhausted, or the deadline passed in the queue. */
  reject(error: ServiceError | Error): void {
    this.runInAsyncScope(this.refused, this, error);
  }

  // next, ended and settled come from grpc-js events, which the starters run in this call's
  // scope (once per event): they are not wrapped again here.

  next(message: object): void {
    if (this.done) return;
    this.received = true;
    // No retry can replace this attempt now: its held headers are the call's.
    if (this.heldHeaders !== undefined && !this.reportHeaders()) return;
    this.subscriber.next(message);
  }

  /** From grpc-js's 'metadata' event, outside the call's scope unless there is an `onHeader` to run. */
  headersArrived(headers: Metadata): void {
    this.recorder.headersArrived();
    if (this.prepared.onHeader === undefined || this.done) return;
    this.heldHeaders = headers;
    // Reported when they arrive once no retry can replace this attempt; else with its outcome.
    if (!this.mayRetry()) this.runInAsyncScope(this.reportHeaders, this);
  }

  /** The attempt's trailers, just before its outcome is settled. */
  trailersArrived(trailers: Metadata): void {
    this.trailers = trailers;
  }

  /** Stops reading responses (a slow consumer); HTTP/2 flow control then holds the server. */
  pauseResponses(): void {
    this.call?.pause?.();
  }

  resumeResponses(): void {
    this.call?.resume?.();
  }

  settled(error: ServiceError | null): void {
    if (error === null) this.complete();
    else this.attemptFailed(error);
  }

  /** The request stream broke (while queued or on the wire): the call fails with its error, not retried. */
  requestsFailed(error: unknown): void {
    this.runInAsyncScope(this.fail, this, asServiceError(error));
  }

  /** The pool ends the call from outside (a drain ran out of time); the teardown cancels it on the wire. */
  abort(error: ServiceError): void {
    this.runInAsyncScope(this.fail, this, error);
  }

  private refused(error: ServiceError | Error): void {
    // The pool took the call out of its queue to refuse it.
    this.withdraw = noop;
    this.leaveQueue();
    this.fail(asServiceError(error));
  }

  /**
   * The call stops waiting for a slot without one: refused (acquireTimeoutMs,
   * its deadline, a close), failed (a drain's abort, its request stream) or
   * cancelled. That wait counts like every other.
   */
  private leaveQueue(): void {
    if (!this.queued) return;
    this.queued = false;
    // Still in the pool's queue unless the pool granted or refused it: taken out here, once.
    const withdraw = this.withdraw;
    this.withdraw = noop;
    withdraw();
    // Refused inside begin(): it never waited.
    if (!this.beginning) this.recorder.slotWaitEnded(this.recorder.waitedForSlot());
  }

  private attemptFailed(error: ServiceError): void {
    if (error.code === status.UNAVAILABLE && !(error instanceof GrpcPoolCallError)) {
      this.context.metrics.noteUnavailable(error.details);
    }
    if (!this.retryAfter(error)) this.fail(error);
  }

  private complete(): void {
    if (this.done) return;
    // The outcome is decided: an abort from here on (say, from onTrailer) changes nothing.
    this.stopWatchingSignal();
    if (this.wantsResponseMetadata && !this.reportMetadata()) return;
    // A callback may have ended the call (a `return()` on its iterator): it is counted once.
    if (this.done) return;
    this.done = true;
    this.finished(status.OK, '');
    this.subscriber.complete();
  }

  /** Whether the current attempt could still be replaced by another (so its headers wait). */
  private mayRetry(): boolean {
    const { retry } = this.prepared;
    return (
      retry !== undefined &&
      this.attempt < retry.maxAttempts &&
      !this.received &&
      this.requests === undefined
    );
  }

  /** The delivered attempt's held headers then trailers go to the caller; false if a callback ended the call. */
  private reportMetadata(): boolean {
    if (this.heldHeaders !== undefined && !this.reportHeaders()) return false;
    const trailers = this.trailers;
    const { onTrailer } = this.prepared;
    if (trailers === undefined || onTrailer === undefined) return true;
    this.trailers = undefined;
    return this.runCallback(onTrailer, trailers);
  }

  private reportHeaders(): boolean {
    const headers = this.heldHeaders!;
    this.heldHeaders = undefined;
    return this.runCallback(this.prepared.onHeader!, headers);
  }

  /**
   * A caller's callback that throws fails the call with its error (the teardown cancels the
   * attempt). False when the call is over after it: it threw, or it ended the call itself (aborted
   * the call's signal, broke out of its loop), so nothing more may reach the caller.
   */
  private runCallback(callback: (metadata: Metadata) => void, metadata: Metadata): boolean {
    try {
      callback(metadata);
    } catch (error: unknown) {
      this.trailers = undefined;
      this.fail(asServiceError(error, status.UNKNOWN));
      return false;
    }
    return !this.done;
  }

  /** The call's outcome, recorded once. */
  private finished(code: status, details: string): void {
    this.recorder.finished(code, details, this.lastChannel?.target, this.attempt);
  }

  /** The attempt's final status: its slot is freed, whatever the outcome. */
  ended(code: status, details: string): void {
    const lease = this.lease;
    if (lease === undefined) return;
    this.lease = undefined;
    this.attemptOpen = false;
    this.recorder.attemptEnded(lease.channel, code);
    this.context.pool.report(lease.channel, code);
    lease.release();
    if (this.attemptContext !== undefined) {
      runAfterAttempt(
        this.prepared.interceptors,
        this.attemptContext,
        code,
        details,
        this.recorder.attemptStartedAt,
      );
      this.attemptContext = undefined;
    }
  }

  unsubscribe(): void {
    this.context.admission.finished(this);
    this.stopWatchingSignal();
    // Still queued, running or between attempts: the caller cancelled the call.
    const interrupted = this.queued || this.attemptOpen || this.retryTimer !== undefined;
    this.leaveQueue();
    this.abandonRetry();
    clearTimeout(this.hooksTimer);
    this.requests?.unsubscribe();
    if (this.attemptOpen) {
      // On the wire: grpc-js's cancel frees the slot. Still in its beforeAttempt hooks: free it here.
      if (this.call !== undefined) this.call.cancel();
      else this.ended(status.CANCELLED, 'Cancelled before it was sent');
    }
    if (interrupted && !this.done) {
      this.done = true;
      this.finished(status.CANCELLED, 'Cancelled by the caller (unsubscribed)');
    }
  }

  private fail(error: ServiceError): void {
    if (this.done) return;
    this.leaveQueue();
    this.abandonRetry();
    this.stopWatchingSignal();
    // The attempt's trailers (from the server, or grpc-js's own status) go with the failure it delivers.
    if (this.wantsResponseMetadata && !this.reportMetadata()) return;
    if (this.done) return;
    this.done = true;
    this.finished(error.code, error.details ?? '');
    this.subscriber.error(attachStatusDetails(error));
  }

  private stopWatchingSignal(): void {
    const { signal } = this.prepared;
    if (signal !== undefined) unwatchAbort(signal, this);
  }

  /** Schedules the next attempt when policy, safety, budget and deadline all allow; else false. */
  private retryAfter(error: ServiceError): boolean {
    const { retry, idempotent, deadline } = this.prepared;
    if (retry === undefined || this.done || this.subscriber.closed) return false;
    if (this.attempt >= retry.maxAttempts || !retry.retryableCodes.includes(error.code))
      return false;
    // A response already delivered, or a request stream already consumed, cannot be replayed.
    if (this.received || this.requests !== undefined) return false;
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
    const token = this.context.budgets.of(this.lastChannel?.target ?? '').tryWithdraw();
    if (token === undefined) {
      this.recorder.retryRefusedByBudget();
      return false;
    }
    const delay = pushback ?? backoffMs(retry, this.attempt);
    // The failed attempt's response metadata is not the call's: the next attempt's will be.
    this.heldHeaders = undefined;
    this.trailers = undefined;
    if (deadline !== undefined && Date.now() + delay >= deadline) {
      // The deadline passes during the backoff: no retry will be sent, so none is paid for.
      // The call fails when the deadline passes, not after.
      token.giveBack();
      this.retryTimer = setTimeout(
        () => {
          this.retryTimer = undefined;
          this.fail(this.deadlinePassedInBackoff());
        },
        Math.max(0, deadline - Date.now()),
      );
    } else {
      this.pendingRetry = { token, failedWith: error.code, delayMs: delay };
      // Not unref()'d: like the call itself, a pending retry is work the caller awaits.
      this.retryTimer = setTimeout(() => this.begin(), delay);
    }
    return true;
  }

  /** The pending retry starts on a channel: counted once, in stats(), the exporters and the span. */
  private retryStarts(retry: PendingRetry): void {
    this.pendingRetry = undefined;
    this.recorder.retried(this.attempt, retry.failedWith, retry.delayMs);
  }

  /** The retry in its backoff, or waiting for a slot, will never be sent: its token goes back. */
  private abandonRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pendingRetry?.token.giveBack();
    this.pendingRetry = undefined;
  }

  private deadlinePassedInBackoff(): ServiceError {
    return new GrpcPoolCallError(
      status.DEADLINE_EXCEEDED,
      `Deadline exceeded while waiting to retry ${this.method.path} (after ${this.attempt} attempts)`,
    );
  }
}
