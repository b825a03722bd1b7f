import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import { LATENCY_BUCKETS_SECONDS, SIZE_BUCKETS_BYTES } from './histogram-buckets.js';
import { CHANNEL_STATES } from './pool-gauge-source.js';
import { hitRate, PoolSourceSet } from './pool-source-set.js';

/** The instruments every pool of one meter shares (an SDK keeps one per name anyway). */
export interface Instruments {
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
export interface MeterShare {
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
export interface AttemptTally {
  attributes: Attributes;
  count: number;
}

/**
 * The share, kept on the meter itself. Process-wide on purpose (one of the
 * five process-wide states listed in ARCHITECTURE.md): an SDK hands out one
 * meter per name and version to the whole process, and registers an
 * instrument once per name, so every pool of that meter must find the same
 * instruments. `Symbol.for` so that a second copy of this library in the
 * process finds them too.
 */
const SHARE = Symbol.for('nestjs-grpc-pool.otel-meter-share');

/** The instruments and pool set of `meter`, made on its first pool. */
export function shareOf(meter: Meter): MeterShare {
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
      // A method looked up but never called is no series.
      if (tally.count > 0) result.observe(attemptStarted, tally.count, tally.attributes);
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
      result.observe(rate, hitRate(reading.liveSlots), pool);
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
      description:
        'Time waited in the queue for a slot (attempts that waited, and calls that gave up waiting).',
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
