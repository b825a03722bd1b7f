import type { ServiceError } from '@grpc/grpc-js';
import { AsyncResource } from 'node:async_hooks';
import type { ChannelPool } from '../pool/channel-pool.js';
import type { Lease } from '../pool/lease.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { SlotRequester } from '../pool/slot-waiter.js';
import type { CallRecorder } from '../telemetry/call-recorder.js';
import { asServiceError } from './as-service-error.js';

const noop = (): void => undefined;

/**
 * A call's wait for a slot in the pool: it asks, and is granted one, refused,
 * or stops waiting. A base class of `PooledCall` rather than an object of
 * its own, because every call waits: the call stays one object on the hot path.
 */
export abstract class SlotRequest extends AsyncResource implements SlotRequester {
  /** Waiting in the pool's queue for a slot. */
  protected queued = false;
  /** Takes the call out of the pool's queue; noop whenever it is not in it. */
  private withdraw: () => void = noop;
  /** Inside `requestSlot()`: a slot granted now is granted in the call's own context. */
  private asking = false;
  /** The call's clocks: the wait for a slot counts in them. */
  protected abstract readonly recorder: CallRecorder;

  /** Asks the pool for a slot; the attempt starts in `startAttempt`, now or once a slot frees. */
  protected requestSlot(
    pool: ChannelPool,
    deadline: number | undefined,
    lastChannel: PooledChannel | undefined,
    firstAttempt: boolean,
  ): void {
    this.queued = true;
    this.recorder.askingForSlot(firstAttempt);
    this.asking = true;
    const withdraw = pool.acquire(deadline, this, lastChannel);
    this.asking = false;
    // Granted or refused at once: the call never entered the queue.
    if (this.queued) this.withdraw = withdraw;
  }

  grant(lease: Lease): void {
    if (this.asking) this.startAttempt(lease);
    else this.runInAsyncScope(this.startAttempt, this, lease);
  }

  /** No slot: the pool is closed, exhausted, or the deadline passed in the queue. */
  reject(error: ServiceError | Error): void {
    this.runInAsyncScope(this.refused, this, error);
  }

  /** The slot was granted: how long the call waited for it. */
  protected slotGranted(): number {
    // Granted inside requestSlot(): the slot was free at once.
    const waitedMs = this.asking ? 0 : this.recorder.waitedForSlot();
    // The pool took the call out of its queue to grant it.
    this.withdraw = noop;
    this.queued = false;
    return waitedMs;
  }

  /**
   * The call stops waiting for a slot without one: refused (acquireTimeoutMs,
   * its deadline, a close), failed (a drain's abort, its request stream) or
   * cancelled. That wait counts like every other.
   */
  protected leaveQueue(): void {
    if (!this.queued) return;
    this.queued = false;
    // Still in the pool's queue unless the pool granted or refused it: taken out here, once.
    const withdraw = this.withdraw;
    this.withdraw = noop;
    withdraw();
    // Refused inside requestSlot(): it never waited.
    if (!this.asking) this.recorder.slotWaitEnded(this.recorder.waitedForSlot());
  }

  /** The slot is the call's: its attempt starts (in the call's own async context). */
  protected abstract startAttempt(lease: Lease): void;
  /** The call fails with `error`, once. */
  abstract fail(error: ServiceError): void;

  private refused(error: ServiceError | Error): void {
    // The pool took the call out of its queue to refuse it.
    this.withdraw = noop;
    this.leaveQueue();
    this.fail(asServiceError(error));
  }
}
