import { status, type ServiceError } from '@grpc/grpc-js';
import type { Subscriber, Unsubscribable } from 'rxjs';
import type { Lease } from '../pool/lease.js';
import type { SlotRequester } from '../pool/slot-waiter.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import { asServiceError } from './as-service-error.js';
import type { CallContext } from './call-context.js';
import type { CallSink, CancellableCall } from './call-sink.js';
import type { CallStarter } from './call-starters.js';
import type { PreparedCall } from './prepare-call.js';
import type { RequestStream } from './request-stream.js';

const noop = (): void => undefined;

/**
 * One subscription's call, from its request for a slot to its final status.
 * It is the pool's requester, the call's sink and the subscription's
 * teardown at once: one object per call on the hot path instead of a
 * handful of closures.
 */
export class PooledCall implements SlotRequester, CallSink<object>, Unsubscribable {
  private lease: Lease | undefined;
  private call: CancellableCall | undefined;
  /**
   * The call has its final status, or its outcome reached the subscriber:
   * unsubscribing no longer cancels. (`firstValueFrom` unsubscribes inside
   * `next`, before `complete`; a cancel then would be wasted work.)
   */
  private settled = false;
  private withdraw: () => void = noop;

  constructor(
    private readonly context: CallContext,
    private readonly method: PoolMethod,
    private readonly start: CallStarter,
    private readonly request: unknown,
    private readonly requests: RequestStream<object> | undefined,
    private readonly prepared: PreparedCall,
    private readonly subscriber: Subscriber<object>,
    private readonly startedAt: number,
  ) {}

  /** Asks the pool for a slot; the call starts in `grant`, now or once a slot frees. */
  begin(): void {
    this.withdraw = this.context.pool.acquire(this.prepared.deadline, this);
  }

  grant(lease: Lease): void {
    if (this.subscriber.closed) return lease.release();
    this.lease = lease;
    try {
      const { client } = lease.channel;
      this.call = this.start(client, this.method, this.request, this.requests, this.prepared, this);
    } catch (error: unknown) {
      // grpc-js refused the call synchronously (e.g. a closed channel): it never reached the wire.
      const serviceError = asServiceError(error, status.INTERNAL);
      this.ended(serviceError.code);
      this.error(serviceError);
    }
  }

  /** No slot: the pool is closed, exhausted, or the deadline passed in the queue. */
  reject(error: ServiceError | Error): void {
    const serviceError = asServiceError(error);
    this.context.metrics.finish(serviceError.code, this.startedAt);
    this.error(serviceError);
  }

  next(message: object): void {
    this.subscriber.next(message);
  }

  error(error: ServiceError | Error): void {
    this.settled = true;
    this.subscriber.error(asServiceError(error));
  }

  complete(): void {
    this.settled = true;
    this.subscriber.complete();
  }

  ended(code: status): void {
    const lease = this.lease;
    if (lease === undefined) return;
    this.lease = undefined;
    this.settled = true;
    lease.release();
    this.context.metrics.finish(code, this.startedAt);
  }

  unsubscribe(): void {
    this.withdraw();
    this.requests?.unsubscribe();
    if (this.call !== undefined && !this.settled) this.call.cancel();
  }
}
