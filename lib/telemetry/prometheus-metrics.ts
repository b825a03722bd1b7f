import type { status } from '@grpc/grpc-js';
import type { Histogram, Registry } from 'prom-client';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { codeSlot, goCodeName, GRPC_CODE_COUNT } from './grpc-code-names.js';
import { PROMETHEUS_LATENCY_BUCKETS } from './histogram-buckets.js';
import type { ChannelReplacementReason } from '../pool/channel-replacement-reason.js';
import type {
  CallMessages,
  MethodIdentity,
  MethodMetricSink,
  PoolMetricSink,
} from './metric-sink.interface.js';
import type { PoolGaugeSource } from './pool-gauge-source.js';
import type { PromClient } from './prom-client-api.js';
import {
  metricSetOf,
  type CallLabel,
  type MethodTally,
  type PrometheusMetrics,
  type RetryLabel,
} from './prometheus-metric-set.js';

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
    this.metrics = metricSetOf(name, client, registry, buckets);
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

  open(): void {
    this.metrics.sources.add(this.source);
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
      tally = {
        key,
        labels,
        started: 0,
        sent: 0,
        received: 0,
        handled: new Array<number>(GRPC_CODE_COUNT).fill(0),
      };
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
    tally.handled[codeSlot(code)]++;
    if (messages !== undefined) {
      tally.sent += messages.sent;
      tally.received += messages.received;
    }
    this.handling.observe(seconds);
  }
}
