/**
 * Latency bucket boundaries in seconds, from gRFC A66 ("OpenTelemetry
 * Metrics"): fine below 10 ms, where RPCs on a LAN live, coarse up to 100 s.
 * The SDK's defaults (0, 5, 10, 25 ... 10000) are milliseconds-shaped and
 * would put every call in the first bucket.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006,
  0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25,
  0.3, 0.4, 0.5, 0.65, 0.8, 1, 2, 5, 10, 20, 50, 100,
];

/** Message size bucket boundaries in bytes, from gRFC A66. */
export const SIZE_BUCKETS_BYTES: readonly number[] = [
  0, 1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456,
  1073741824, 4294967296,
];

/**
 * Prometheus latency buckets in seconds: fewer than A66's (each bucket is a
 * time series per method), still fine-grained below 10 ms.
 */
export const PROMETHEUS_LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
