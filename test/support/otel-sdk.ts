import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * The real OpenTelemetry SDKs, registered globally as an app registers them,
 * with in-memory exporters the tests read. Register before the pool is
 * built (its meter is taken then), and shut down after the test file.
 */
export interface OtelTestSdk {
  /** Every metric as exported now (cumulative). */
  collect(): Promise<MetricData[]>;
  /** The data points of `name`, [] when none. */
  points(name: string): Promise<DataPoint<unknown>[]>;
  /** Spans ended so far. */
  spans(): ReadableSpan[];
  /** Spans started so far (each must also end). */
  started(): number;
  reset(): void;
  shutdown(): Promise<void>;
}

export function registerOtelSdk(): OtelTestSdk {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when flushed: the interval is longer than any test.
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  let started = 0;
  const startCounter: SpanProcessor = {
    onStart: () => void started++,
    onEnd: () => undefined,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter), startCounter],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  const collect = async (): Promise<MetricData[]> => {
    metricExporter.reset();
    await reader.forceFlush();
    return metricExporter
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics)
      .flatMap((scope) => scope.metrics);
  };
  return {
    collect,
    points: async (name) =>
      (await collect())
        .filter((metric) => metric.descriptor.name === name)
        .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]),
    spans: () => spanExporter.getFinishedSpans(),
    started: () => started,
    reset: () => {
      spanExporter.reset();
      started = 0;
    },
    shutdown: async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      contextManager.disable();
      metrics.disable();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
