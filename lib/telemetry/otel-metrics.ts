import type { status } from '@grpc/grpc-js';
import type { Attributes, Meter } from '@opentelemetry/api';
import { codeSlot, statusName } from './grpc-code-names.js';
import type { ChannelReplacementReason } from '../pool/channel-replacement-reason.js';
import type {
  AttemptTraffic,
  MethodIdentity,
  MethodMetricSink,
  PoolMetricSink,
} from './metric-sink.interface.js';
import { shareOf, type AttemptTally, type Instruments } from './otel-instruments.js';
import type { PoolGaugeSource } from './pool-gauge-source.js';
import type { PoolSourceSet } from './pool-source-set.js';

/**
 * gRFC A66 client instruments and the pool's `grpc.pool.*` instruments on
 * an OpenTelemetry meter. The pools of one meter share the instruments and
 * one gauge callback, which reports pools that share a name as one (their
 * series would clash) and keeps closed pools' slot counts, so counters never
 * go down.
 */
export class OtelPoolMetrics implements PoolMetricSink {
  private readonly instruments: Instruments;
  private readonly poolAttributes: Attributes;
  private readonly sources: PoolSourceSet;
  private readonly attempts: Map<string, AttemptTally>;

  constructor(
    meter: Meter,
    private readonly target: string,
    private readonly source: PoolGaugeSource,
    private readonly messageSizes: boolean,
  ) {
    const share = shareOf(meter);
    this.instruments = share.instruments;
    this.sources = share.sources;
    this.attempts = share.attempts;
    this.poolAttributes = { 'grpc.pool.name': source.poolName };
  }

  forMethod(method: MethodIdentity): MethodMetricSink {
    const key = `${method.path} ${this.target}`;
    let tally = this.attempts.get(key);
    if (tally === undefined) {
      const attributes = { 'grpc.method': method.path.slice(1), 'grpc.target': this.target };
      tally = { attributes, count: 0 };
      this.attempts.set(key, tally);
    }
    return new OtelMethodMetrics(this.instruments, tally, this.poolAttributes, this.messageSizes);
  }

  backendEjected(): void {
    this.instruments.ejections.add(1, this.poolAttributes);
  }

  channelReplaced(reason: ChannelReplacementReason): void {
    this.instruments.replacements.add(1, {
      ...this.poolAttributes,
      'grpc.pool.replacement.reason': reason,
    });
  }

  open(): void {
    this.sources.add(this.source);
  }

  close(): void {
    this.sources.remove(this.source);
  }
}

/** One method's attribute sets, built once; a call only picks the one for its status. */
class OtelMethodMetrics implements MethodMetricSink {
  private readonly attributes: Attributes;
  private readonly withStatus: Attributes[] = [];
  private readonly poolMethod: Attributes;

  constructor(
    private readonly instruments: Instruments,
    private readonly attempts: AttemptTally,
    private readonly pool: Attributes,
    /** Records the A66 message-size histograms, from the measured traffic. */
    readonly needsTraffic: boolean,
  ) {
    this.attributes = attempts.attributes;
    this.poolMethod = { ...pool, 'grpc.method': attempts.attributes['grpc.method'] };
  }

  callStarted(): void {}

  attemptStarted(): void {
    this.attempts.count++;
  }

  queueWait(seconds: number): void {
    this.instruments.queueWait.record(seconds, this.pool);
  }

  connectWait(seconds: number): void {
    this.instruments.connectWait.record(seconds, this.pool);
  }

  attemptEnded(code: status, seconds: number, traffic: AttemptTraffic | undefined): void {
    const attributes = this.statusAttributes(code);
    this.instruments.attemptDuration.record(seconds, attributes);
    if (!this.needsTraffic || traffic === undefined) return;
    this.instruments.attemptSentSize.record(traffic.sentBytes, attributes);
    this.instruments.attemptReceivedSize.record(traffic.receivedBytes, attributes);
  }

  retried(code: status): void {
    this.instruments.retries.add(1, { ...this.poolMethod, 'grpc.status': statusName(code) });
  }

  retryRefusedByBudget(): void {
    this.instruments.retriesRefused.add(1, this.poolMethod);
  }

  callEnded(code: status, seconds: number): void {
    // Message counts are Prometheus's (go-grpc-prometheus); A66 has sizes per attempt instead.
    this.instruments.callDuration.record(seconds, this.statusAttributes(code));
  }

  private statusAttributes(code: status): Attributes {
    const slot = codeSlot(code);
    let attributes = this.withStatus[slot];
    if (attributes === undefined) {
      attributes = { ...this.attributes, 'grpc.status': statusName(slot) };
      this.withStatus[slot] = attributes;
    }
    return attributes;
  }
}
