import type { Counter, Histogram, Registry } from 'prom-client';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { goCodeName } from './grpc-code-names.js';
import { CHANNEL_STATES } from './pool-gauge-source.js';
import { hitRate, PoolSourceSet, type PoolReading } from './pool-source-set.js';
import type { PromClient } from './prom-client-api.js';
import { totalsCounter } from './prometheus-totals-counter.js';

const CALL_LABELS = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
export type CallLabel = (typeof CALL_LABELS)[number];

/**
 * A registry's metric set, kept on its first metric (not in a module) so later
 * pools find it. Process-wide on purpose (one of the five process-wide states
 * listed in ARCHITECTURE.md): a prom-client registry (the default one above
 * all) is shared by the whole process and refuses a name twice, so every pool
 * registered in it must reuse one set. `Symbol.for` so that a second copy of
 * this library in the process finds it too.
 */
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

export type RetryLabel = 'pool' | 'grpc_service' | 'grpc_method';

/**
 * One method's call counts. Counting is a field increment; prom-client sees
 * the totals when it is scraped, so a call pays no label hashing for them.
 */
export interface MethodTally {
  /** Names the method's series across scrapes. */
  key: string;
  labels: Record<CallLabel, string>;
  started: number;
  sent: number;
  received: number;
  /** Calls finished, by status code: one slot per gRPC code. */
  handled: number[];
}

/** The metric set of one registry, shared by every pool that registers there. */
export interface PrometheusMetrics {
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
 * The pools' metric set in `registry`: the one an earlier pool registered
 * there, or a new one. Throws `GrpcPoolOptionsError` when something else
 * holds one of its names.
 */
export function metricSetOf(
  name: GrpcPoolName,
  client: PromClient,
  registry: Registry,
  buckets: readonly number[],
): PrometheusMetrics {
  return existingMetrics(name, registry) ?? createMetrics(client, registry, buckets);
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
    totalsCounter(client, { name, help, labelNames, registers }, function* () {
      for (const tally of tallies.values()) {
        yield { key: tally.key, labels: tally.labels, value: read(tally) };
      }
    });
  totalsCounter(
    client,
    {
      name: 'grpc_client_handled_total',
      help: 'Total number of RPCs completed by the client, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers,
    },
    function* () {
      for (const tally of tallies.values()) {
        for (let code = 0; code < tally.handled.length; code++) {
          const value = tally.handled[code];
          if (value === 0) continue;
          const labels = { ...tally.labels, grpc_code: goCodeName(code) };
          yield { key: `${tally.key} ${code}`, labels, value };
        }
      }
    },
  );
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
      help: 'Time waited in the pool queue for a slot (attempts that waited, and calls that gave up waiting).',
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
      help: 'Channels replaced, by reason (connect_timeout, failing, max_age, rebalance).',
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
  const perPool = (name: string, help: string, read: (reading: PoolReading) => number): void => {
    new client.Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const reading of sources.readings()) {
          if (reading.live) this.set({ pool: reading.poolName }, read(reading));
        }
      },
    });
  };
  // Counters outlive their pools (a drop would read as a reset); gauges do not.
  const slotCounter = (name: string, help: string, read: (reading: PoolReading) => number) =>
    totalsCounter(client, { name, help, labelNames: ['pool'], registers }, function* () {
      for (const reading of sources.readings()) {
        yield { key: reading.poolName, labels: { pool: reading.poolName }, value: read(reading) };
      }
    });
  perPool('grpc_pool_calls_in_flight', 'Attempts holding a slot on a channel.', (r) => r.inFlight);
  perPool('grpc_pool_calls_queued', 'Calls waiting in the queue for a slot.', (r) => r.queued);
  perPool(
    'grpc_pool_hit_rate',
    'Share of slot requests served at once on a READY channel, since the pool opened.',
    (r) => hitRate(r.liveSlots),
  );
  slotCounter(
    'grpc_pool_slot_acquisitions_total',
    'Slots handed to attempts.',
    (r) => r.slots.total,
  );
  slotCounter(
    'grpc_pool_slot_hits_total',
    'Slots found at once on a READY channel.',
    (r) => r.slots.hits,
  );
}
