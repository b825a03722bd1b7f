import type { status } from '@grpc/grpc-js';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import { goCodeName, statusName } from './grpc-code-names.js';
import type {
  AttemptTraffic,
  ChannelReplacementReason,
  MethodIdentity,
  MethodMetricSink,
  PoolMetricSink,
} from './metric-sink.interface.js';
import { CHANNEL_STATES, type PoolGaugeSource } from './pool-gauge-source.js';
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

/** The pools a registry's gauges read when scraped; kept on the gauges themselves, not in a module. */
const SOURCES = Symbol.for('nestjs-grpc-pool.prometheus-sources');

/** The metric set of one registry, shared by every pool that registers there. */
interface PrometheusMetrics {
  started: Counter<CallLabel>;
  handled: Counter<CallLabel | 'grpc_code'>;
  handling: Histogram<CallLabel>;
  received: Counter<CallLabel>;
  sent: Counter<CallLabel>;
  queueWait: Histogram<'pool'>;
  connectWait: Histogram<'pool'>;
  retries: Counter<'pool' | 'grpc_method' | 'grpc_code'>;
  retriesRefused: Counter<'pool' | 'grpc_method'>;
  ejections: Counter<'pool'>;
  replacements: Counter<'pool' | 'reason'>;
  sources: Set<PoolGaugeSource>;
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
    client: PromClient,
    registry: Registry,
    private readonly source: PoolGaugeSource,
    buckets: readonly number[] = PROMETHEUS_LATENCY_BUCKETS,
  ) {
    this.metrics = existingMetrics(registry) ?? createMetrics(client, registry, buckets);
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
    this.metrics.sources.delete(this.source);
  }
}

/** One method's labelled children, made once; a call only picks the one for its code. */
class PrometheusMethodMetrics implements MethodMetricSink {
  private readonly labels: Record<CallLabel, string>;
  private readonly started: Counter.Internal;
  private readonly handling: Histogram.Internal<CallLabel>;
  private readonly received: Counter.Internal;
  private readonly sent: Counter.Internal;
  private readonly handled: Counter.Internal[] = [];
  private readonly pool: { pool: string };

  constructor(
    private readonly metrics: PrometheusMetrics,
    method: MethodIdentity,
    poolName: string,
  ) {
    this.labels = {
      grpc_type: method.kind,
      grpc_service: method.service,
      grpc_method: method.method,
    };
    this.started = metrics.started.labels(this.labels);
    this.handling = metrics.handling.labels(this.labels);
    this.received = metrics.received.labels(this.labels);
    this.sent = metrics.sent.labels(this.labels);
    this.pool = { pool: poolName };
  }

  callStarted(): void {
    this.started.inc();
  }

  attemptStarted(): void {}

  queueWait(seconds: number): void {
    this.metrics.queueWait.observe(this.pool, seconds);
  }

  connectWait(seconds: number): void {
    this.metrics.connectWait.observe(this.pool, seconds);
  }

  attemptEnded(_code: status, _seconds: number, traffic: AttemptTraffic | undefined): void {
    if (traffic === undefined) return;
    if (traffic.sentMessages > 0) this.sent.inc(traffic.sentMessages);
    if (traffic.receivedMessages > 0) this.received.inc(traffic.receivedMessages);
  }

  retried(code: status): void {
    this.metrics.retries.inc({
      ...this.pool,
      grpc_method: this.labels.grpc_method,
      grpc_code: statusName(code),
    });
  }

  retryRefusedByBudget(): void {
    this.metrics.retriesRefused.inc({ ...this.pool, grpc_method: this.labels.grpc_method });
  }

  callEnded(code: status, seconds: number): void {
    let handled = this.handled[code];
    if (handled === undefined) {
      handled = this.metrics.handled.labels({ ...this.labels, grpc_code: goCodeName(code) });
      this.handled[code] = handled;
    }
    handled.inc();
    this.handling.observe(seconds);
  }
}

function existingMetrics(registry: Registry): PrometheusMetrics | undefined {
  const started = registry.getSingleMetric('grpc_client_started_total');
  if (started === undefined) return undefined;
  const metrics = (started as unknown as { [SOURCES]?: PrometheusMetrics })[SOURCES];
  if (metrics === undefined) {
    throw new GrpcPoolOptionsError(
      undefined,
      'prometheus',
      'needs a registry where grpc_client_started_total is free: something else registered it (e.g. another gRPC client instrumentation); give the pools their own registry',
    );
  }
  return metrics;
}

function createMetrics(
  client: PromClient,
  registry: Registry,
  buckets: readonly number[],
): PrometheusMetrics {
  const registers = [registry];
  const labelNames = CALL_LABELS;
  const sources = new Set<PoolGaugeSource>();
  const metrics: PrometheusMetrics = {
    started: new client.Counter({
      name: 'grpc_client_started_total',
      help: 'Total number of RPCs started on the client.',
      labelNames,
      registers,
    }),
    handled: new client.Counter({
      name: 'grpc_client_handled_total',
      help: 'Total number of RPCs completed by the client, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers,
    }),
    handling: new client.Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      labelNames,
      buckets: [...buckets],
      registers,
    }),
    received: new client.Counter({
      name: 'grpc_client_msg_received_total',
      help: 'Total number of RPC stream messages received by the client.',
      labelNames,
      registers,
    }),
    sent: new client.Counter({
      name: 'grpc_client_msg_sent_total',
      help: 'Total number of gRPC stream messages sent by the client.',
      labelNames,
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
      labelNames: ['pool', 'grpc_method', 'grpc_code'],
      registers,
    }),
    retriesRefused: new client.Counter({
      name: 'grpc_pool_retries_refused_total',
      help: 'Retries the retry budget refused.',
      labelNames: ['pool', 'grpc_method'],
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
  Object.defineProperty(metrics.started, SOURCES, { value: metrics });
  return metrics;
}

/** Gauges (and slot counters) read from the pools at scrape time: nothing is recorded per call. */
function createGauges(
  client: PromClient,
  registers: Registry[],
  sources: Set<PoolGaugeSource>,
): void {
  new client.Gauge({
    name: 'grpc_pool_channels',
    help: 'Open channels (connections) by connectivity state.',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const source of sources) {
        const counts = source.channelsByState();
        for (const state of CHANNEL_STATES)
          this.set({ pool: source.poolName, state }, counts[state]);
      }
    },
  });
  const perPool = (name: string, help: string, read: (source: PoolGaugeSource) => number): void => {
    new client.Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const source of sources) this.set({ pool: source.poolName }, read(source));
      },
    });
  };
  perPool('grpc_pool_calls_in_flight', 'Attempts holding a slot on a channel.', (s) =>
    s.inFlight(),
  );
  perPool('grpc_pool_calls_queued', 'Calls waiting in the queue for a slot.', (s) => s.queued());
  perPool(
    'grpc_pool_hit_rate',
    'Share of slot requests served at once on a READY channel, since the pool opened.',
    (s) => {
      const { total, hits } = s.acquisitions();
      return total === 0 ? 1 : hits / total;
    },
  );
  const slotCounter = (name: string, help: string, read: (source: PoolGaugeSource) => number) => {
    new client.Counter({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const source of sources) this.inc({ pool: source.poolName }, read(source));
      },
    });
  };
  slotCounter(
    'grpc_pool_slot_acquisitions_total',
    'Slots handed to attempts.',
    (s) => s.acquisitions().total,
  );
  slotCounter(
    'grpc_pool_slot_hits_total',
    'Slots found at once on a READY channel.',
    (s) => s.acquisitions().hits,
  );
}
