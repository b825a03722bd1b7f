import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ExportResultCode,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

/** Collects only when asked, so no export lands in a timed run. */
class OnDemandMetricReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Counts the spans it is sent and keeps none: memory stays flat however many calls run. */
class CountingSpanExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * An app's OpenTelemetry SDK: a MeterProvider, and with `tracing` a
 * TracerProvider (batching, as apps export), the AsyncLocalStorage context
 * manager and the W3C propagator.
 *
 * OpenTelemetry's globals are process-wide, so each SDK is global only
 * while what reads it runs: a pool takes its meter when it is built
 * (`build`), and reads the tracer provider, the context manager and the
 * propagator on every call (`beforeRun`/`afterRun`, around each of its
 * timed runs).
 */
export class BenchOtelSdk {
  private readonly reader = new OnDemandMetricReader();
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly spans = new CountingSpanExporter();
  private readonly tracerProvider: BasicTracerProvider | undefined;
  private readonly contextManager = new AsyncLocalStorageContextManager();
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(readonly tracing: boolean) {
    if (tracing) {
      this.tracerProvider = new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(this.spans)],
      });
    }
  }

  /**
   * Builds a pool with the providers global, then unregisters them: the
   * pool keeps the SDK's meter and tracer, pools built later get no-op ones
   * (`trace.disable()` also drops the proxy provider their tracer would follow).
   */
  build<T>(pool: () => T): T {
    metrics.setGlobalMeterProvider(this.meterProvider);
    if (this.tracerProvider !== undefined) trace.setGlobalTracerProvider(this.tracerProvider);
    try {
      return pool();
    } finally {
      metrics.disable();
      trace.disable();
    }
  }

  beforeRun(): void {
    if (!this.tracing) return;
    // The pool asks for the global tracer provider on every call (none registered: no span).
    trace.setGlobalTracerProvider(this.tracerProvider!);
    context.setGlobalContextManager(this.contextManager.enable());
    propagation.setGlobalPropagator(this.propagator);
  }

  /** Exports the last batch here, not in the next contender's run, and unregisters the per-call globals. */
  async afterRun(): Promise<void> {
    if (!this.tracing) return;
    await this.tracerProvider!.forceFlush();
    // Disables the AsyncLocalStorage too: its async hook stops costing other contenders.
    context.disable();
    propagation.disable();
    trace.disable();
  }

  /** Calls the meter recorded and spans exported so far. */
  async recorded(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    const calls = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === 'grpc.client.call.duration')
      .flatMap((metric) => (metric as HistogramMetricData).dataPoints)
      .reduce((sum, point) => sum + point.value.count, 0);
    const spans = this.tracing ? `, ${this.spans.exported} spans exported` : '';
    return `${calls} calls in grpc.client.call.duration${spans}`;
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider?.shutdown();
  }
}
