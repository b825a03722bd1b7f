import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import type { GrpcCallContext } from '../interfaces/call-interceptor.interface.js';
import type { Lease } from '../pool/lease.js';
import { asServiceError } from './as-service-error.js';
import { runAfterAttempt, runBeforeAttempt } from './attempt-interceptors.js';
import type { PreparedCall } from './prepare-call.js';

/** What a call's attempt hooks ask of the call. */
export interface HookedCall {
  /** Whether the attempt on `lease` is still on (its deadline or a cancel may end it while hooks run). */
  attemptIsOn(lease: Lease): boolean;
  /** The attempt's hooks ran: it is sent with the metadata they prepared. */
  sendWith(metadata: Metadata): void;
  /** The attempt's final status: its slot is freed. */
  ended(code: status, details: string): void;
  /** The call fails with `error`, once. */
  fail(error: ServiceError): void;
}

/**
 * The call interceptors' view of each attempt of one call: `beforeAttempt`
 * before it is sent (bounded by the call's deadline), `afterAttempt` once it
 * ended. Made only for calls that have interceptors.
 */
export class AttemptHooks {
  /** The current attempt as call interceptors see it. */
  private attempt: GrpcCallContext | undefined;
  /** Bounds async `beforeAttempt` hooks by the call's deadline: grpc-js's starts only once sent. */
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prepared: PreparedCall,
    private readonly call: HookedCall,
    private readonly pool: string,
    private readonly method: string,
  ) {}

  /**
   * Attempt number `attempt` starts on `lease`. True when it is sent at once with the call's own
   * metadata; false when `beforeAttempt` hooks run first (the call hears back in `hooksFinished`).
   */
  start(attempt: number, lease: Lease): boolean {
    const { interceptors } = this.prepared;
    const changesMetadata = interceptors.some((interceptor) => interceptor.beforeAttempt);
    const context: GrpcCallContext = {
      pool: this.pool,
      method: this.method,
      attempt,
      // Each attempt gets fresh metadata, so what a hook adds is never added twice. Observers
      // (afterAttempt only) cannot change what is sent: they see the call's own.
      metadata: changesMetadata ? this.prepared.metadata.clone() : this.prepared.metadata,
      deadline: this.prepared.deadline,
    };
    this.attempt = context;
    if (!changesMetadata) return true;
    let hooksDone = false;
    runBeforeAttempt(interceptors, context, (error) => {
      hooksDone = true;
      // The attempt already ended while the hooks ran (its deadline passed, or it was cancelled).
      if (!this.call.attemptIsOn(lease)) return;
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
      if (error === undefined) return this.call.sendWith(context.metadata);
      this.call.ended(status.CANCELLED, error.message);
      this.call.fail(asServiceError(error));
    });
    const { deadline } = this.prepared;
    if (!hooksDone && deadline !== undefined && Number.isFinite(deadline)) {
      // Set in the call's own context, so it fires there too. Not unref()'d: the call is awaited.
      this.deadlineTimer = setTimeout(() => this.outlivedDeadline(attempt), deadline - Date.now());
    }
    return false;
  }

  /** The attempt ended with `code`: every `afterAttempt` hook hears of it. */
  attemptEnded(code: status, details: string, startedAt: number): void {
    if (this.attempt === undefined) return;
    runAfterAttempt(this.prepared.interceptors, this.attempt, code, details, startedAt);
    this.attempt = undefined;
  }

  /** The caller cancelled: an async `beforeAttempt` no longer has a deadline to meet. */
  cancel(): void {
    clearTimeout(this.deadlineTimer);
  }

  /** An async `beforeAttempt` (a token service that hangs) still runs at the call's deadline. */
  private outlivedDeadline(attempt: number): void {
    this.deadlineTimer = undefined;
    const details =
      `Deadline exceeded while call interceptors prepared attempt ${attempt} of ` + this.method;
    this.call.ended(status.DEADLINE_EXCEEDED, details);
    this.call.fail(new GrpcPoolCallError(status.DEADLINE_EXCEEDED, details));
  }
}
