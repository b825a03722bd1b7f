import { callFailures } from '../errors/call-failures.js';
import type { ChannelPoolConfig } from './channel-pool-config.js';
import type { ChannelSet } from './channel-set.js';
import type { Lease } from './lease.js';
import { SlotQueue } from './slot-queue.js';
import type { SlotRequester, SlotWaiter } from './slot-waiter.js';

// Calls that find no slot once the pool is at maxChannels wait here, bounded
// in number (maxQueued) and in time (acquireTimeoutMs or the call's deadline,
// whichever comes first); slots freed later go to them in order.

const noop = (): void => undefined;

export class SlotGranter {
  private readonly queue = new SlotQueue();
  private granting = false;

  constructor(
    private readonly channels: ChannelSet,
    private readonly config: Pick<ChannelPoolConfig, 'label' | 'limits'>,
    /** A slot now, if there is one, for a call that has waited. */
    private readonly take: () => Lease | undefined,
  ) {}

  get size(): number {
    return this.queue.size;
  }

  /** Waiters the queue still holds, counted by walking it (equals `size`; for tests). */
  retained(): number {
    return this.queue.retained();
  }

  /**
   * Queues `requester` (or rejects it when the queue is full); returns a
   * function that withdraws it while it waits. A requester that was granted or
   * rejected has left already: its caller drops the function then.
   */
  enqueue(deadline: number | undefined, requester: SlotRequester): () => void {
    const { label, limits } = this.config;
    if (this.queue.size >= limits.maxQueued) {
      requester.reject(callFailures.exhausted(label, `${this.describeLoad()}; the queue is full`));
      return noop;
    }
    const queuedAt = Date.now();
    const giveUpAt = queuedAt + limits.acquireTimeoutMs;
    const deadlineFirst = deadline !== undefined && deadline < giveUpAt;
    const waiter: SlotWaiter = { requester, timer: undefined };
    waiter.timer = setTimeout(
      () => {
        if (!this.queue.remove(waiter)) return;
        const waited = Date.now() - queuedAt;
        requester.reject(
          deadlineFirst
            ? callFailures.deadlineWhileQueued(label, waited)
            : callFailures.exhausted(
                label,
                `${this.describeLoad()}; no slot freed within acquireTimeoutMs ${limits.acquireTimeoutMs}`,
              ),
        );
      },
      Math.max(0, (deadlineFirst ? deadline : giveUpAt) - queuedAt),
    );
    waiter.timer.unref();
    this.queue.push(waiter);
    return () => {
      if (this.queue.remove(waiter)) clearTimeout(waiter.timer);
    };
  }

  /** Hands freed slots to waiting calls in order. Re-entrant calls (a grant that ends at once) fold into the loop. */
  grantWaiting(): void {
    if (this.granting || this.queue.size === 0) return;
    this.granting = true;
    try {
      while (this.queue.size > 0) {
        const lease = this.take();
        if (lease === undefined) break;
        const waiter = this.queue.shift()!;
        clearTimeout(waiter.timer);
        waiter.requester.grant(lease);
      }
    } finally {
      this.granting = false;
    }
  }

  /** Fails every waiting call: the pool is closed. */
  rejectAll(): void {
    this.queue.drain((waiter) => {
      clearTimeout(waiter.timer);
      waiter.requester.reject(callFailures.closed(this.config.label));
    });
  }

  private describeLoad(): string {
    const { maxChannels, maxConcurrentCallsPerChannel, maxQueued } = this.config.limits;
    return (
      `${this.channels.inFlight} calls in flight on ${this.channels.size}/${maxChannels} channels ` +
      `(maxConcurrentCallsPerChannel ${maxConcurrentCallsPerChannel}), ` +
      `${this.queue.size}/${maxQueued} queued (maxQueued ${maxQueued})`
    );
  }
}
