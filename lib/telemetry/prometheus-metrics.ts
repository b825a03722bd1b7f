import type { status } from '@grpc/grpc-js';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import { goCodeName } from './grpc-code-names.js';
import type {
  CallMessages,
  ChannelReplacementReason,
  MethodIdentity,
  MethodMetricSink,
  PoolMetricSink,
} from './metric-sink.interface.js';
import { CHANNEL_STATES, type PoolGaugeSource } from './pool-gauge-source.js';
import { hitRate, PoolSourceSet, type PoolReading } from './pool-source-set.js';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { PROMETHEUS_LATENCY_BUCKETS } from './histogram-buckets.js';

/** The parts of prom-client the pool uses. */
export interface PromClient {
  Counter: typeof Counter;
  Gauge: typeof Gauge;
  Histogram: typeof Histogram;
  register: Registry;
}

const CALL_LABELS = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
type CallLabel = (typeof CALL_LABELS)[number];

/** A registry's metric set, kept on its first metric (not in a module) so later pools find it. */
const METRICS = Symbol.for('nestjs-grpc-pool.prometheus-metrics');

/** Every name the set registers: a registry where one is taken by something else cannot host it. */
const METRIC_NAMES = [
  'grpc_client_started_total',
  'grpc_client_handled_total',
  'grpc_client_handling_seconds',
  'grpc_client_msg_received_total',
  'grpc_client_msg_sent_total',
  'grpc_pool_queue_wait_seconds',
  'grpc_pool_connect_wait_seconds',
  'grpc_pool_retries_total',
  'grpc_pool_retries_refused_total',
  'grpc_pool_outlier_ejections_total',
  'grpc_pool_channel_replacements_total',
  'grpc_pool_channels',
  'grpc_pool_calls_in_flight',
  'grpc_pool_calls_queued',
  'grpc_pool_hit_rate',
  'grpc_pool_slot_acquisitions_total',
  'grpc_pool_slot_hits_total',
] as const;

type RetryLabel = 'pool' | 'grpc_service' | 'grpc_method';

/**
 * One method's call counts. Counting is a field increment; prom-client sees
 * the totals when it is scraped, so a call pays no label hashing for them.
 */
interface MethodTally {
  labels: Record<CallLabel, string>;
  started: number;
  sent: number;
  received: number;
  /** Calls finished, by status code. */
  handled: number[];
}

/** The metric set of one registry, shared by every pool that registers there. */
interface PrometheusMetrics {
  /** The marker metric: its collect() reads the tallies, like the other call counters. */
  started: Counter<CallLabel>;
  handling: Histogram<CallLabel>;
  /** Call counts per label set, summed over the pools that call the method; read at scrape time. */
  tallies: Map<string, MethodTally>;
  queueWait: Histogram<'pool'>;
  connectWait: Histogram<'pool'>;
  retries: Counter<RetryLabel | 'grpc_code'>;
  retriesRefused: Counter<RetryLabel>;
  ejections: Counter<'pool'>;
  replacements: Counter<'pool' | 'reason'>;
  sources: PoolSourceSet;
}

/**
 * go-grpc-prometheus client metrics (`grpc_client_*`, so public Grafana
 * dashboards for gRPC clients work unchanged) and the pool's `grpc_pool_*`
 * metrics. A registry holds one set, however many pools (or modules, or hot
 * reloads) register with it: a second registration reuses the first's
 * metrics instead of failing with "already registered".
 */
export class PrometheusPoolMetrics implements PoolMetricSink {
  private readonly metrics: PrometheusMetrics;

  constructor(
    name: GrpcPoolName,
    client: PromClient,
    registry: Registry,
    private readonly source: PoolGaugeSource,
    buckets: readonly number[] = PROMETHEUS_LATENCY_BUCKETS,
  ) {
    this.metrics = existingMetrics(name, registry) ?? createMetrics(client, registry, buckets);
    this.metrics.sources.add(source);
  }

  forMethod(method: MethodIdentity): MethodMetricSink {
    return new PrometheusMethodMetrics(this.metrics, method, this.source.poolName);
  }

  backendEjected(): void {
    this.metrics.ejections.inc({ pool: this.source.poolName });
  }

  channelReplaced(reason: ChannelReplacementReason): void {
    this.metrics.replacements.inc({ pool: this.source.poolName, reason });
  }

  close(): void {
    this.metrics.sources.remove(this.source);
  }
}

/** One method's tally and latency child, made once; a call only increments and observes. */
class PrometheusMethodMetrics implements MethodMetricSink {
  /** Message counts come from the measured traffic. */
  readonly needsTraffic = true;
  private readonly tally: MethodTally;
  private readonly handling: Histogram.Internal<CallLabel>;
  private readonly retryLabels: Record<RetryLabel, string>;

  constructor(
    private readonly metrics: PrometheusMetrics,
    method: MethodIdentity,
    poolName: string,
  ) {
    const labels = {
      grpc_type: method.kind,
      grpc_service: method.service,
      grpc_method: method.method,
    };
    const key = `${method.kind} ${method.path}`;
    let tally = metrics.tallies.get(key);
    if (tally === undefined) {
      tally = { labels, started: 0, sent: 0, received: 0, handled: [] };
      metrics.tallies.set(key, tally);
    }
    this.tally = tally;
    this.handling = metrics.handling.labels(labels);
    this.retryLabels = { pool: poolName, grpc_service: method.service, grpc_method: method.method };
  }

  callStarted(): void {
    this.tally.started++;
  }

  attemptStarted(): void {}

  queueWait(seconds: number): void {
    this.metrics.queueWait.observe({ pool: this.retryLabels.pool }, seconds);
  }

  connectWait(seconds: number): void {
    this.metrics.connectWait.observe({ pool: this.retryLabels.pool }, seconds);
  }

  attemptEnded(): void {}

  retried(code: status): void {
    // Go's code names, as grpc_client_handled_total has them, so the two join on grpc_code.
    this.metrics.retries.inc({ ...this.retryLabels, grpc_code: goCodeName(code) });
  }

  retryRefusedByBudget(): void {
    this.metrics.retriesRefused.inc(this.retryLabels);
  }

  callEnded(code: status, seconds: number, messages: CallMessages | undefined): void {
    const { tally } = this;
    tally.handled[code] = (tally.handled[code] ?? 0) + 1;
    if (messages !== undefined) {
      tally.sent += messages.sent;
      tally.received += messages.received;
    }
    this.handling.observe(seconds);
  }
}

/**
 * The set a pool registered in `registry` before, or undefined when the
 * registry has none of its names. Checked before anything is registered, so
 * a clash leaves the registry as it was.
 */
function existingMetrics(name: GrpcPoolName, registry: Registry): PrometheusMetrics | undefined {
  const first = registry.getSingleMetric(METRIC_NAMES[0]) as
    { [METRICS]?: PrometheusMetrics } | undefined;
  const ours = first?.[METRICS];
  if (ours !== undefined) return ours;
  const taken = METRIC_NAMES.find((metric) => registry.getSingleMetric(metric) !== undefined);
  if (taken !== undefined) {
    throw new GrpcPoolOptionsError(
      name,
      'prometheus.registry',
      `already has a metric named ${taken} that the pool did not register (e.g. another gRPC client instrumentation): give the pools a registry of their own`,
    );
  }
  return undefined;
}

function createMetrics(
  client: PromClient,
  registry: Registry,
  buckets: readonly number[],
): PrometheusMetrics {
  const registers = [registry];
  const labelNames = CALL_LABELS;
  const sources = new PoolSourceSet();
  const tallies = new Map<string, MethodTally>();
  const tallied = (
    name: string,
    help: string,
    read: (tally: MethodTally) => number,
  ): Counter<CallLabel> =>
    new client.Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const tally of tallies.values()) this.inc(tally.labels, read(tally));
      },
    });
  new client.Counter({
    name: 'grpc_client_handled_total',
    help: 'Total number of RPCs completed by the client, regardless of success or failure.',
    labelNames: [...labelNames, 'grpc_code'],
    registers,
    collect() {
      this.reset();
      for (const tally of tallies.values()) {
        tally.handled.forEach((count, code) => {
          if (count > 0) this.inc({ ...tally.labels, grpc_code: goCodeName(code) }, count);
        });
      }
    },
  });
  tallied(
    'grpc_client_msg_received_total',
    'Total number of RPC stream messages received by the client.',
    (tally) => tally.received,
  );
  tallied(
    'grpc_client_msg_sent_total',
    'Total number of gRPC stream messages sent by the client.',
    (tally) => tally.sent,
  );
  const metrics: PrometheusMetrics = {
    started: tallied(
      'grpc_client_started_total',
      'Total number of RPCs started on the client.',
      (tally) => tally.started,
    ),
    tallies,
    handling: new client.Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      labelNames,
      buckets: [...buckets],
      registers,
    }),
    queueWait: new client.Histogram({
      name: 'grpc_pool_queue_wait_seconds',
      help: 'Time attempts waited in the pool queue for a slot (attempts that waited).',
      labelNames: ['pool'],
      buckets: [...buckets],
      registers,
    }),
    connectWait: new client.Histogram({
      name: 'grpc_pool_connect_wait_seconds',
      help: 'Time attempts waited for their channel to become READY (attempts that waited).',
      labelNames: ['pool'],
      buckets: [...buckets],
      registers,
    }),
    retries: new client.Counter({
      name: 'grpc_pool_retries_total',
      help: 'Attempts retried, by the status of the attempt that failed.',
      labelNames: ['pool', 'grpc_service', 'grpc_method', 'grpc_code'],
      registers,
    }),
    retriesRefused: new client.Counter({
      name: 'grpc_pool_retries_refused_total',
      help: 'Retries the retry budget refused.',
      labelNames: ['pool', 'grpc_service', 'grpc_method'],
      registers,
    }),
    ejections: new client.Counter({
      name: 'grpc_pool_outlier_ejections_total',
      help: 'Backends ejected by outlier detection.',
      labelNames: ['pool'],
      registers,
    }),
    replacements: new client.Counter({
      name: 'grpc_pool_channel_replacements_total',
      help: 'Channels replaced, by reason (connect_timeout, failing, max_age).',
      labelNames: ['pool', 'reason'],
      registers,
    }),
    sources,
  };
  createGauges(client, registers, sources);
  Object.defineProperty(metrics.started, METRICS, { value: metrics });
  return metrics;
}

/** Gauges (and slot counters) read from the pools at scrape time: nothing is recorded per call. */
function createGauges(client: PromClient, registers: Registry[], sources: PoolSourceSet): void {
  new client.Gauge({
    name: 'grpc_pool_channels',
    help: 'Open channels (connections) by connectivity state.',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const reading of sources.readings()) {
        if (!reading.live) continue;
        for (const state of CHANNEL_STATES) {
          this.set({ pool: reading.poolName, state }, reading.channels[state]);
        }
      }
    },
  });
  const perPool = (
    kind: 'Gauge' | 'Counter',
    name: string,
    help: string,
    read: (reading: PoolReading) => number,
  ): void => {
    const counter = kind === 'Counter';
    new client[kind]({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect(this: Gauge<'pool'> | Counter<'pool'>) {
        this.reset();
        for (const reading of sources.readings()) {
          // Counters outlive their pools (a drop would read as a reset); gauges do not.
          if (!counter && !reading.live) continue;
          const labels = { pool: reading.poolName };
          if (this instanceof client.Gauge) this.set(labels, read(reading));
          else this.inc(labels, read(reading));
        }
      },
    });
  };
  perPool(
    'Gauge',
    'grpc_pool_calls_in_flight',
    'Attempts holding a slot on a channel.',
    (r) => r.inFlight,
  );
  perPool(
    'Gauge',
    'grpc_pool_calls_queued',
    'Calls waiting in the queue for a slot.',
    (r) => r.queued,
  );
  perPool(
    'Gauge',
    'grpc_pool_hit_rate',
    'Share of slot requests served at once on a READY channel, since the pool opened.',
    (r) => hitRate(r.slots),
  );
  perPool(
    'Counter',
    'grpc_pool_slot_acquisitions_total',
    'Slots handed to attempts.',
    (r) => r.slots.total,
  );
  perPool(
    'Counter',
    'grpc_pool_slot_hits_total',
    'Slots found at once on a READY channel.',
    (r) => r.slots.hits,
  );
}
