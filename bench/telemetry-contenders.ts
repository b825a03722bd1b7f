import { Registry, type Counter } from 'prom-client';
import { grpcPool, type Contender, type PoolVariant } from './contenders.js';
import { BenchOtelSdk } from './telemetry-sdks.js';

/** The empty unary call on the pool, with one telemetry setup. */
const pool = (url: string, variant: PoolVariant): Contender => grpcPool(url, 1, 'echo', 0, variant);

/** A pool built while `sdk` is global, running with its per-call globals in place. */
function withSdk(
  sdk: BenchOtelSdk,
  url: string,
  label: string,
  options: PoolVariant['options'] = {},
): Contender {
  const contender = sdk.build(() => pool(url, { label, options }));
  return {
    ...contender,
    beforeRun: () => sdk.beforeRun(),
    afterRun: () => sdk.afterRun(),
    recorded: () => sdk.recorded(),
    close: async () => {
      await contender.close();
      await sdk.shutdown();
    },
  };
}

/** Prometheus into a registry of its own, no OpenTelemetry SDK. */
function withPrometheus(url: string): Contender {
  const registry = new Registry();
  const contender = pool(url, {
    label: 'Prometheus registry, OTel tracing off',
    options: { telemetry: { tracing: false }, prometheus: { registry } },
  });
  const handled = async (): Promise<number> => {
    const counter = registry.getSingleMetric('grpc_client_handled_total') as Counter;
    return (await counter.get()).values.reduce((sum, { value }) => sum + value, 0);
  };
  return { ...contender, recorded: async () => `${await handled()} in grpc_client_handled_total` };
}

/**
 * The empty-unary pool as telemetry costs it: off, on with no SDK (the API's
 * no-op globals), the metrics SDK (with and without A66's message-size
 * histograms), metrics and tracing SDKs, Prometheus.
 * The SDK pools are built first and each unregisters its providers after,
 * so every later pool gets no-op ones.
 */
export function telemetryContenders(url: string): Contender[] {
  const traced = withSdk(new BenchOtelSdk(true), url, 'OTel metrics + tracing SDK');
  const metered = withSdk(new BenchOtelSdk(false), url, 'OTel metrics SDK');
  const sizeless = withSdk(new BenchOtelSdk(false), url, 'OTel metrics SDK, messageSizes off', {
    telemetry: { messageSizes: false },
  });
  return [
    pool(url, { label: 'telemetry off', options: { telemetry: false } }),
    pool(url, { label: 'telemetry on, no SDK', options: {} }),
    metered,
    sizeless,
    traced,
    withPrometheus(url),
  ];
}
