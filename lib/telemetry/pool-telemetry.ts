import type { Registry } from 'prom-client';
import type { CallMetrics } from './call-metrics.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type { GrpcMethodStats } from '../interfaces/stats.interface.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from './library-version.js';
import type { ChannelReplacementReason } from '../pool/channel-replacement-reason.js';
import type { MethodIdentity, PoolMetricSink } from './metric-sink.interface.js';
import { MethodTelemetry } from './method-telemetry.js';
import { loadOptionalPeer } from './optional-peer.js';
import { OtelPoolMetrics } from './otel-metrics.js';
import { MethodTracer, type OtelApi } from './otel-tracing.js';
import type { PoolGaugeSource } from './pool-gauge-source.js';
import type { PromClient } from './prom-client-api.js';
import { PrometheusPoolMetrics } from './prometheus-metrics.js';
import type { TelemetrySettings } from '../options/telemetry-settings.js';

// Resolved with the other options; re-exported for telemetry's users.
export type { TelemetrySettings };

/**
 * One pool's telemetry: the method recorders its calls use, and the
 * exporters they feed. Optional peers are loaded here, when the pool is
 * built: OpenTelemetry through its global providers (a no-op until the app
 * registers an SDK), Prometheus only when asked for.
 */
export class PoolTelemetry {
  private readonly sinks: PoolMetricSink[] = [];
  /** Makes spans: present when `@opentelemetry/api` is installed and tracing is on. */
  private tracing: OtelApi | undefined;
  private readonly methods = new Map<string, MethodTelemetry>();

  constructor(
    name: GrpcPoolName,
    settings: TelemetrySettings,
    target: string,
    private readonly metrics: CallMetrics,
    source: PoolGaugeSource,
  ) {
    try {
      this.openExporters(name, settings, target, source);
    } catch (error: unknown) {
      this.close();
      throw error;
    }
  }

  private openExporters(
    name: GrpcPoolName,
    settings: TelemetrySettings,
    target: string,
    source: PoolGaugeSource,
  ): void {
    // Prometheus first: it is the one that can refuse (a registry whose names are taken), and
    // nothing must stay registered with the other exporter for a pool that was never built.
    if (settings.metrics && settings.prometheus !== false) {
      const client = loadOptionalPeer<PromClient>('prom-client');
      if (client === undefined) {
        throw new GrpcPoolOptionsError(
          name,
          'prometheus',
          'needs the optional peer prom-client: npm install prom-client',
        );
      }
      const registry = (settings.prometheus.registry as Registry | undefined) ?? client.register;
      this.sinks.push(
        new PrometheusPoolMetrics(name, client, registry, source, settings.prometheus.buckets),
      );
    }
    const wantsOtel = settings.metrics || settings.tracing;
    const otel = wantsOtel ? loadOptionalPeer<OtelApi>('@opentelemetry/api') : undefined;
    if (otel !== undefined && settings.metrics) {
      const meter = otel.metrics.getMeter(LIBRARY_NAME, LIBRARY_VERSION);
      // No SDK yet: the API hands out its no-op meter for good (metrics have no proxy, unlike
      // traces), so recording into it would only cost the calls time.
      if (meter !== otel.createNoopMeter()) {
        this.sinks.push(new OtelPoolMetrics(meter, target, source, settings.messageSizes));
      }
    }
    if (otel !== undefined && settings.tracing) {
      this.tracing = otel;
    }
  }

  /** The recorder of `method`'s calls, made on first use and shared by every facade. */
  forMethod(method: PoolMethod): MethodTelemetry {
    let telemetry = this.methods.get(method.path);
    if (telemetry === undefined) {
      const identity = identify(method);
      const tracer =
        this.tracing === undefined ? undefined : new MethodTracer(this.tracing, identity);
      telemetry = new MethodTelemetry(
        this.metrics,
        this.sinks.map((sink) => sink.forMethod(identity)),
        tracer,
      );
      this.methods.set(method.path, telemetry);
    }
    return telemetry;
  }

  byMethod(): Record<string, GrpcMethodStats> {
    const out: Record<string, GrpcMethodStats> = {};
    for (const [path, telemetry] of this.methods) {
      if (telemetry.outcomes.started === 0) continue;
      out[path] = {
        calls: telemetry.outcomes.counts(),
        latencyMs: telemetry.outcomes.latencyMs(),
      };
    }
    return out;
  }

  backendEjected(): void {
    for (const sink of this.sinks) sink.backendEjected();
  }

  channelReplaced(reason: ChannelReplacementReason): void {
    for (const sink of this.sinks) sink.channelReplaced(reason);
  }

  /**
   * The pool opened: exporters read its gauges from now on. Not at
   * construction: a Nest start-up that fails on a later provider never
   * initialises (or closes) the pools it already built, and their gauges
   * must not linger.
   */
  open(): void {
    for (const sink of this.sinks) sink.open();
  }

  close(): void {
    for (const sink of this.sinks) sink.close();
  }
}

/** `/orders.v1.Orders/GetOrder` → service `orders.v1.Orders`, method `GetOrder`, and the call kind. */
function identify(method: PoolMethod): MethodIdentity {
  const kind = method.requestStream
    ? method.responseStream
      ? 'bidi_stream'
      : 'client_stream'
    : method.responseStream
      ? 'server_stream'
      : 'unary';
  const slash = method.path.lastIndexOf('/');
  return {
    path: method.path,
    service: method.path.slice(1, slash),
    method: method.path.slice(slash + 1),
    kind,
  };
}
