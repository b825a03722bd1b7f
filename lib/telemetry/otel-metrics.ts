import type { status } from '@grpc/grpc-js';
import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import { LATENCY_BUCKETS_SECONDS, SIZE_BUCKETS_BYTES } from './histogram-buckets.js';
import { statusName } from './grpc-code-names.js';
import type {
  AttemptTraffic,
  ChannelReplacementReason,
  MethodIdentity,
  MethodMetricSink,
  PoolMetricSink,
} from './metric-sink.interface.js';
import { CHANNEL_STATES, type PoolGaugeSource } from './pool-gauge-source.js';
import { hitRate, PoolSourceSet } from './pool-source-set.js';

/** The instruments every pool of one meter shares (an SDK keeps one per name anyway). */
interface Instruments {
  attemptDuration: Histogram;
  attemptSentSize: Histogram;
  attemptReceivedSize: Histogram;
  callDuration: Histogram;
  queueWait: Histogram;
  connectWait: Histogram;
  retries: Counter;
  retriesRefused: Counter;
  ejections: Counter;
  replacements: Counter;
}

/** What every pool of one meter shares: its instruments and the pools its gauges read. */
interface MeterShare {
  instruments: Instruments;
  sources: PoolSourceSet;
  /** Attempts started, per method and target: counted per call, reported when the SDK collects. */
  attempts: Map<string, AttemptTally>;
}

/**
 * `grpc.client.attempt.started` as a field increment: a synchronous counter
 * would hash its attributes on every attempt, the largest share of what the
 * SDK costs a call. Pools with the same method and target share a tally.
 */
interface AttemptTally {
  attributes: Attributes;
  count: number;
}

/** The share, kept on the meter itself (an SDK hands out one meter per name and version). */
const SHARE = Symbol.for('nestjs-grpc-pool.otel-meter-share');

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
    this.sources.add(source);
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

  close(): void {
    this.sources.remove(this.source);
  }
}

function shareOf(meter: Meter): MeterShare {
  const holder = meter as Meter & { [SHARE]?: MeterShare };
  let share = holder[SHARE];
  if (share === undefined) {
    share = {
      instruments: createInstruments(meter),
      sources: new PoolSourceSet(),
      attempts: new Map(),
    };
    observePools(meter, share.sources, share.attempts);
    Object.defineProperty(holder, SHARE, { value: share });
  }
  return share;
}

/** The pool gauges, read from every pool of the meter when the SDK collects. */
function observePools(
  meter: Meter,
  sources: PoolSourceSet,
  attempts: Map<string, AttemptTally>,
): void {
  const attemptStarted = meter.createObservableCounter('grpc.client.attempt.started', {
    description: 'Call attempts started, retries included.',
    unit: '{attempt}',
  });
  const channels = meter.createObservableUpDownCounter('grpc.pool.channels', {
    description: 'Open channels (connections) by connectivity state.',
    unit: '{channel}',
  });
  const inFlight = meter.createObservableUpDownCounter('grpc.pool.calls.in_flight', {
    description: 'Attempts holding a slot on a channel.',
    unit: '{call}',
  });
  const queued = meter.createObservableUpDownCounter('grpc.pool.calls.queued', {
    description: 'Calls waiting in the queue for a slot.',
    unit: '{call}',
  });
  const acquisitions = meter.createObservableCounter('grpc.pool.slot.acquisitions', {
    description: 'Slots handed to attempts.',
    unit: '{attempt}',
  });
  const hits = meter.createObservableCounter('grpc.pool.slot.hits', {
    description: 'Slots found at once on a READY channel.',
    unit: '{attempt}',
  });
  const rate = meter.createObservableGauge('grpc.pool.hit_rate', {
    description: 'Share of slot requests served at once on a READY channel, since the pool opened.',
    unit: '1',
  });
  const observe: BatchObservableCallback = (result) => {
    for (const tally of attempts.values()) {
      result.observe(attemptStarted, tally.count, tally.attributes);
    }
    for (const reading of sources.readings()) {
      const pool = { 'grpc.pool.name': reading.poolName };
      result.observe(acquisitions, reading.slots.total, pool);
      result.observe(hits, reading.slots.hits, pool);
      if (!reading.live) continue;
      for (const state of CHANNEL_STATES) {
        const attributes = { ...pool, 'grpc.pool.channel.state': state };
        result.observe(channels, reading.channels[state], attributes);
      }
      result.observe(inFlight, reading.inFlight, pool);
      result.observe(queued, reading.queued, pool);
      result.observe(rate, hitRate(reading.slots), pool);
    }
  };
  const observables: Observable[] = [
    attemptStarted,
    channels,
    inFlight,
    queued,
    acquisitions,
    hits,
    rate,
  ];
  meter.addBatchObservableCallback(observe, observables);
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
    let attributes = this.withStatus[code];
    if (attributes === undefined) {
      attributes = { ...this.attributes, 'grpc.status': statusName(code) };
      this.withStatus[code] = attributes;
    }
    return attributes;
  }
}

function createInstruments(meter: Meter): Instruments {
  const latency = { unit: 's', advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS_SECONDS] } };
  const size = { unit: 'By', advice: { explicitBucketBoundaries: [...SIZE_BUCKETS_BYTES] } };
  return {
    attemptDuration: meter.createHistogram('grpc.client.attempt.duration', {
      ...latency,
      description: 'From an attempt getting its slot to its final status.',
    }),
    attemptSentSize: meter.createHistogram(
      'grpc.client.attempt.sent_total_compressed_message_size',
      { ...size, description: 'Serialized request bytes per attempt, before compression.' },
    ),
    attemptReceivedSize: meter.createHistogram(
      'grpc.client.attempt.rcvd_total_compressed_message_size',
      { ...size, description: 'Serialized response bytes per attempt, after decompression.' },
    ),
    callDuration: meter.createHistogram('grpc.client.call.duration', {
      ...latency,
      description: 'From subscribe to the final outcome, across queueing, attempts and backoff.',
    }),
    queueWait: meter.createHistogram('grpc.pool.queue.wait', {
      ...latency,
      description: 'Time an attempt waited in the queue for a slot (attempts that waited).',
    }),
    connectWait: meter.createHistogram('grpc.pool.connect.wait', {
      ...latency,
      description: 'Time an attempt waited for its channel to become READY (attempts that waited).',
    }),
    retries: meter.createCounter('grpc.pool.retries', {
      description: 'Attempts retried, by the status of the attempt that failed.',
      unit: '{retry}',
    }),
    retriesRefused: meter.createCounter('grpc.pool.retries.refused', {
      description: 'Retries the retry budget refused.',
      unit: '{retry}',
    }),
    ejections: meter.createCounter('grpc.pool.outlier.ejections', {
      description: 'Backends ejected by outlier detection.',
      unit: '{ejection}',
    }),
    replacements: meter.createCounter('grpc.pool.channel.replacements', {
      description: 'Channels replaced, by reason.',
      unit: '{channel}',
    }),
  };
}
