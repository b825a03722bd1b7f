import type { Metadata, status } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import type { CallMessages } from './metric-sink.interface.js';
import type { MethodTelemetry } from './method-telemetry.js';
import { TrafficMeter, type WireMethod } from './traffic-meter.js';

/**
 * What one call tells its method's telemetry, phase by phase: how long it
 * waited for a slot and for a connection, when its response headers came,
 * what each attempt carried, and its span. The pooled call says when each
 * thing happens; this keeps the clocks. Times are `performance.now()`.
 */
export class CallRecorder {
  /** When the current attempt started on its channel (call interceptors see it too). */
  attemptStartedAt = 0;
  /** When the current attempt asked for its slot. */
  private askedAt: number;
  /** When the current attempt started on a channel that was not READY yet; 0 when it was. */
  private connectingSince = 0;
  /** When the current attempt's response headers arrived; 0 before. */
  private headersAt = 0;
  /** The method with counting (de)serializers, when an exporter records traffic. */
  private readonly traffic: TrafficMeter | undefined;
  /** The call's messages as its caller sees them: a retry's resend is not counted again. */
  private readonly messages: CallMessages | undefined;
  /** The call's CLIENT span, when tracing is on. */
  private readonly span: Span | undefined;
  /** What grpc-js is given to (de)serialize with. */
  readonly wire: WireMethod;

  constructor(
    private readonly telemetry: MethodTelemetry,
    method: PoolMethod,
    private readonly startedAt: number,
  ) {
    this.askedAt = startedAt;
    if (telemetry.measuresTraffic) {
      this.traffic = new TrafficMeter(method);
      this.messages = { sent: 0, received: 0 };
    }
    this.wire = this.traffic ?? method;
    // Made while the call subscribes: the span's parent is the caller's active context.
    this.span = telemetry.tracer?.start();
  }

  /** An attempt asks for a slot (the first one as the call starts). */
  askingForSlot(firstAttempt: boolean): void {
    this.askedAt = firstAttempt ? this.startedAt : performance.now();
  }

  /** How long the current attempt has waited for its slot. */
  waitedForSlot(): number {
    return performance.now() - this.askedAt;
  }

  /** Time spent waiting for a slot, whether the call then got one or gave up. */
  slotWaitEnded(waitedMs: number): void {
    this.telemetry.slotWaited(waitedMs);
    if (this.span !== undefined && waitedMs > 0) {
      this.telemetry.tracer!.queued(this.span, performance.timeOrigin + this.askedAt, waitedMs);
    }
  }

  /** An attempt got its slot after `waitedMs` and starts now, on a channel READY or not. */
  attemptStarted(waitedMs: number, channelReady: boolean): void {
    const now = performance.now();
    this.attemptStartedAt = now;
    this.connectingSince = channelReady ? 0 : now;
    this.headersAt = 0;
    this.traffic?.reset();
    this.slotWaitEnded(waitedMs);
    this.telemetry.attemptStarted();
  }

  headersArrived(): void {
    this.headersAt = performance.now();
  }

  /**
   * The attempt as it goes on the wire: with the span's context in a copy of its metadata.
   * Generic over the call's shape so telemetry needs nothing from the call layer above it.
   */
  traced<Prepared extends { metadata: Metadata }>(prepared: Prepared): Prepared {
    if (this.span === undefined) return prepared;
    return { ...prepared, metadata: this.telemetry.tracer!.inject(this.span, prepared.metadata) };
  }

  attemptEnded(channel: PooledChannel, code: status): void {
    const attemptMs = performance.now() - this.attemptStartedAt;
    let connectWaitMs = 0;
    if (this.connectingSince !== 0) {
      // READY during the attempt: the wait until then; never READY: the whole attempt waited.
      const { readyAt } = channel;
      connectWaitMs = readyAt >= this.connectingSince ? readyAt - this.connectingSince : attemptMs;
    }
    const headersMs = this.headersAt === 0 ? undefined : this.headersAt - this.attemptStartedAt;
    const { traffic, messages } = this;
    if (traffic !== undefined && messages !== undefined) {
      // A retry resends the same request; only an attempt with no response is ever retried.
      messages.sent = Math.max(messages.sent, traffic.sentMessages);
      messages.received += traffic.receivedMessages;
    }
    this.telemetry.attemptEnded(code, attemptMs, connectWaitMs, headersMs, traffic);
  }

  /** A failed attempt (`failedWith`) is retried as attempt `nextAttempt` after `delayMs`. */
  retried(nextAttempt: number, failedWith: status, delayMs: number): void {
    this.telemetry.retried(failedWith);
    if (this.span !== undefined) {
      this.telemetry.tracer!.retry(this.span, nextAttempt, failedWith, delayMs);
    }
  }

  retryRefusedByBudget(): void {
    this.telemetry.retryRefusedByBudget();
  }

  /** The call's outcome; the pooled call calls this once. */
  finished(code: status, details: string, target: string | undefined, attempts: number): void {
    this.telemetry.callEnded(code, performance.now() - this.startedAt, this.messages);
    if (this.span !== undefined) {
      this.telemetry.tracer!.end(this.span, code, details, target, attempts);
    }
  }
}
