import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Unsubscribable } from 'rxjs';
import { attachStatusDetails } from '../details/attach-status-details.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import type { Lease } from '../pool/lease.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import { CallRecorder } from '../telemetry/call-recorder.js';
import type { MethodTelemetry } from '../telemetry/method-telemetry.js';
import type { AbortWatcher } from './abort-watch.js';
import { asServiceError } from './as-service-error.js';
import { AttemptHooks, type HookedCall } from './attempt-hooks.js';
import type { AbortableCall } from './call-admission.js';
import type { CallContext } from './call-context.js';
import type { CallObserver } from './call-observer.js';
import { CallRetries, mayBeRetried, type RetryingCall } from './call-retries.js';
import { signalAborted, unwatchCallSignal, watchCallSignal } from './call-signal.js';
import type { CallSink, CancellableCall } from './call-sink.js';
import type { CallStarter } from './call-starters.js';
import type { PreparedCall } from './prepare-call.js';
import type { RequestSource } from './request-source.js';
import { ResponseMetadataRelay, type MetadataReceivingCall } from './response-metadata-relay.js';
import { SlotRequest } from './slot-request.js';

/** What the call's retries, attempt hooks and metadata relay ask of it. */
type WhatItsPartsAsk = RetryingCall & HookedCall & MetadataReceivingCall;

/**
 * One call, from its first request for a slot to its final outcome, across
 * retries, whichever facade made it. It is the pool's requester (its base
 * class waits for the slot), each attempt's sink and the caller's teardown at
 * once: one object per call on the hot path instead of a handful of closures.
 * What not every call needs is made on first need: its retries, its
 * interceptors' attempt hooks, its `onHeader`/`onTrailer` relay.
 *
 * It is also the async context the call was made in. Whatever reaches it
 * from elsewhere (a slot another call freed, grpc-js events, which run in
 * the context of the connection, a drain) runs in that context, so its
 * interceptors, its subscriber and anything they start see their own
 * request's `AsyncLocalStorage`, never another's. Timers it sets from there
 * (backoff, queue wait) keep that context by themselves.
 */
export class PooledCall
  extends SlotRequest
  implements CallSink<object>, Unsubscribable, AbortableCall, AbortWatcher, WhatItsPartsAsk
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
  // Made on first need: when an attempt fails under a retry policy, when one starts with
  // interceptors, and with the call if it has `onHeader` or `onTrailer`.
  private retries: CallRetries | undefined;
  private hooks: AttemptHooks | undefined;
  private readonly relay: ResponseMetadataRelay | undefined;
  /** The call's clocks, traffic and span, for stats() and the exporters. */
  protected readonly recorder: CallRecorder;

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
    const { onHeader, onTrailer } = prepared;
    if (onHeader !== undefined || onTrailer !== undefined) {
      this.relay = new ResponseMetadataRelay(onHeader, onTrailer, this);
    }
  }

  /** `onHeader` or `onTrailer` is set: the starters report the metadata they would otherwise skip. */
  get wantsResponseMetadata(): boolean {
    return this.relay !== undefined;
  }

  /** The first request for a slot; a call whose signal is already aborted sends nothing. */
  open(): void {
    const { prepared, method, context } = this;
    const refusal = watchCallSignal(prepared.signal, this, method.path, context.label);
    if (refusal !== undefined) return this.fail(refusal);
    this.begin();
  }

  /** The signal aborted. */
  aborted(): void {
    const { prepared, method, queued } = this;
    const waitingToRetry = this.retries?.waiting === true;
    const failure = signalAborted(prepared.signal, method.path, queued, waitingToRetry);
    this.runInAsyncScope(this.fail, this, failure);
  }

  /** Asks the pool for a slot (first, or once a backoff is over); the attempt starts in `startAttempt`. */
  begin(): void {
    const { context, prepared, lastChannel } = this;
    this.requestSlot(context.pool, prepared.deadline, lastChannel, this.attempt === 0);
  }

  protected startAttempt(lease: Lease): void {
    const waitedMs = this.slotGranted();
    this.call = undefined;
    this.relay?.forgetAttempt();
    if (this.subscriber.closed || this.done) {
      this.retries?.abandon();
      return lease.release();
    }
    this.attempt++;
    // A retry counts only now that it starts on a channel; the budget token it took is kept for good.
    this.retries?.attemptStarts(this.attempt);
    this.recorder.attemptStarted(waitedMs, lease.readyAtGrant);
    this.lease = lease;
    this.lastChannel = lease.channel;
    // A call earns retries from the backend its first attempt goes to.
    if (this.attempt === 1) this.context.budgets.of(lease.channel.target).deposit();
    this.attemptOpen = true;
    if (this.prepared.interceptors.length === 0) return this.send(this.prepared);
    this.hooks ??= new AttemptHooks(this.prepared, this, this.context.label, this.method.path);
    if (this.hooks.start(this.attempt, lease)) this.send(this.prepared);
  }

  attemptIsOn(lease: Lease): boolean {
    return this.lease === lease;
  }

  /** The attempt's hooks ran: it is sent with the metadata they prepared. */
  sendWith(metadata: Metadata): void {
    if (this.subscriber.closed) return this.ended(status.CANCELLED, 'Cancelled before it was sent');
    this.send({ ...this.prepared, metadata });
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

  // next, ended and settled come from grpc-js events, which the starters run in this call's
  // scope (once per event): they are not wrapped again here.

  next(message: object): void {
    if (this.done) return;
    this.received = true;
    // No retry can replace this attempt now: its held headers are the call's.
    const { relay } = this;
    if (relay !== undefined && relay.holdsHeaders && !relay.reportHeaders()) return;
    this.subscriber.next(message);
  }

  /** From grpc-js's 'metadata' event, outside the call's scope unless there is an `onHeader` to run. */
  headersArrived(headers: Metadata): void {
    this.recorder.headersArrived();
    const { relay } = this;
    if (relay === undefined || this.done || !relay.holdHeaders(headers)) return;
    // Reported when they arrive once no retry can replace this attempt; else with its outcome.
    const { retry } = this.prepared;
    if (!mayBeRetried(retry, this.attempt, this.replayable()))
      this.runInAsyncScope(relay.reportHeaders, relay);
  }

  /** The attempt's trailers, just before its outcome is settled. */
  trailersArrived(trailers: Metadata): void {
    this.relay?.trailersArrived(trailers);
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

  isOver(): boolean {
    return this.done;
  }

  /** The attempt failed: the next one is scheduled when policy, safety, budget and deadline all allow. */
  private attemptFailed(error: ServiceError): void {
    const { context, prepared, recorder } = this;
    if (error.code === status.UNAVAILABLE && !(error instanceof GrpcPoolCallError)) {
      context.metrics.noteUnavailable(error.details);
    }
    if (prepared.retry === undefined || this.done || this.subscriber.closed)
      return this.fail(error);
    this.retries ??= new CallRetries(prepared, context.budgets, recorder, this.method.path, this);
    const target = this.lastChannel?.target ?? '';
    if (!this.retries.scheduleAfter(error, this.attempt, this.replayable(), target)) {
      return this.fail(error);
    }
    // The failed attempt's response metadata is not the call's: the next attempt's will be.
    this.relay?.forgetAttempt();
  }

  private complete(): void {
    if (this.done) return;
    // The outcome is decided: an abort from here on (say, from onTrailer) changes nothing.
    unwatchCallSignal(this.prepared.signal, this);
    if (this.decided(status.OK, '')) this.subscriber.complete();
  }

  /** The response metadata goes to the caller, then the outcome is recorded, once; false if a callback ended the call. */
  private decided(code: status, details: string): boolean {
    if (this.relay !== undefined && !this.relay.reportAll()) return false;
    // A callback may have ended the call (a `return()` on its iterator): it is counted once.
    if (this.done) return false;
    this.done = true;
    this.recorder.finished(code, details, this.lastChannel?.target, this.attempt);
    return true;
  }

  /** No response reached the caller and no request stream was consumed: an attempt can be replayed. */
  private replayable(): boolean {
    return !this.received && this.requests === undefined;
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
    this.hooks?.attemptEnded(code, details, this.recorder.attemptStartedAt);
  }

  unsubscribe(): void {
    this.context.admission.finished(this);
    unwatchCallSignal(this.prepared.signal, this);
    // Still queued, running or between attempts: the caller cancelled the call.
    const interrupted = this.queued || this.attemptOpen || this.retries?.waiting === true;
    this.leaveQueue();
    this.retries?.abandon();
    this.hooks?.cancel();
    this.requests?.unsubscribe();
    if (this.attemptOpen) {
      // On the wire: grpc-js's cancel frees the slot. Still in its beforeAttempt hooks: free it here.
      if (this.call !== undefined) this.call.cancel();
      else this.ended(status.CANCELLED, 'Cancelled before it was sent');
    }
    if (interrupted && !this.done) {
      this.done = true;
      const details = 'Cancelled by the caller (unsubscribed)';
      this.recorder.finished(status.CANCELLED, details, this.lastChannel?.target, this.attempt);
    }
  }

  /** The call fails with `error`, once (nothing reaches the caller after its outcome). */
  fail(error: ServiceError): void {
    if (this.done) return;
    this.leaveQueue();
    this.retries?.abandon();
    unwatchCallSignal(this.prepared.signal, this);
    // The attempt's trailers (from the server, or grpc-js's own status) go with the failure it delivers.
    if (this.decided(error.code, error.details ?? ''))
      this.subscriber.error(attachStatusDetails(error));
  }
}
