/**
 * What a client reports to OpenTelemetry and Prometheus. `stats()` is kept
 * whatever this says.
 * @publicApi
 */
export interface GrpcTelemetryOptions {
  /**
   * Metrics: OpenTelemetry (when `@opentelemetry/api` is installed) and
   * Prometheus (when `prometheus` is set). Default `true`.
   */
  metrics?: boolean;
  /**
   * One CLIENT span per call and the trace context in its metadata (when
   * `@opentelemetry/api` is installed). Default `true`.
   */
  tracing?: boolean;
  /**
   * gRFC A66's two message-size histograms
   * (`grpc.client.attempt.sent_total_compressed_message_size`, `..._rcvd_...`).
   * They are half of what the OpenTelemetry SDK records per call; `false`
   * saves about 4 µs a call there. Default `true`.
   */
  messageSizes?: boolean;
}

/**
 * A prom-client `Registry` (any version 15 copy): the pool only registers
 * its metrics there and looks them up by name.
 * @publicApi
 */
export interface GrpcPrometheusRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
}

/** @publicApi */
export interface GrpcPrometheusOptions {
  /** Where the metrics register. Default: prom-client's default `register` (what `@willsoto/nestjs-prometheus` serves). */
  registry?: GrpcPrometheusRegistry;
  /**
   * Upper bounds of the latency histograms' buckets, in seconds, increasing.
   * Default `[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]`.
   * Only the first registration in a registry sets them.
   */
  buckets?: number[];
}
