import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import type { GrpcPrometheusOptions } from '../interfaces/telemetry-options.interface.js';

/** A client's telemetry settings, resolved. */
export interface TelemetrySettings {
  metrics: boolean;
  tracing: boolean;
  messageSizes: boolean;
  prometheus: false | GrpcPrometheusOptions;
}

/** Everything on unless turned off; Prometheus only when asked for. */
export function resolveTelemetry(options: GrpcPoolClientOptions): TelemetrySettings {
  const { telemetry = true, prometheus = false } = options;
  const own =
    typeof telemetry === 'boolean' ? { metrics: telemetry, tracing: telemetry } : telemetry;
  return {
    metrics: own.metrics ?? true,
    tracing: own.tracing ?? true,
    messageSizes: own.messageSizes ?? true,
    prometheus: prometheus === true ? {} : prometheus,
  };
}
