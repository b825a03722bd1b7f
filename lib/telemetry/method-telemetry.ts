import type { status } from '@grpc/grpc-js';
import type { CallMetrics } from './call-metrics.js';
import { CallOutcomes } from './call-outcomes.js';
import type { AttemptTraffic, CallMessages, MethodMetricSink } from './metric-sink.interface.js';
import type { MethodTracer } from './otel-tracing.js';

/** Calls kept per method for its latency percentiles. */
const METHOD_WINDOW = 1024;

/**
 * Where one method's calls report what happened to them: the pool's
 * `stats()` (always, a few array writes), and each exporter the app turned on
 * (OpenTelemetry, Prometheus). Made once per method; a call passes numbers,
 * never objects, so a pool without exporters allocates nothing for this.
 */
export class MethodTelemetry {
  readonly outcomes = new CallOutcomes(METHOD_WINDOW);
  /** An exporter counts messages and bytes, so calls measure them. */
  readonly measuresTraffic: boolean;

  constructor(
    private readonly pool: CallMetrics,
    private readonly sinks: readonly MethodMetricSink[],
    /** Makes the calls' spans; absent without `@opentelemetry/api` or with tracing off. */
    readonly tracer: MethodTracer | undefined,
  ) {
    this.measuresTraffic = sinks.some((sink) => sink.needsTraffic);
  }

  callStarted(): void {
    this.pool.outcomes.started++;
    this.outcomes.started++;
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].callStarted();
  }

  /** A call waited `waitedMs` for a slot (0: it had one at once), and got it or gave up. */
  slotWaited(waitedMs: number): void {
    this.pool.phases.slotWait.record(waitedMs);
    if (waitedMs === 0) return;
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].queueWait(waitedMs / 1000);
  }

  attemptStarted(): void {
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].attemptStarted();
  }

  /**
   * An attempt's final status. `connectWaitMs` is how long it waited for its
   * channel to become READY; `headersMs` when its response headers came
   * (undefined: none came).
   */
  attemptEnded(
    code: status,
    attemptMs: number,
    connectWaitMs: number,
    headersMs: number | undefined,
    traffic: AttemptTraffic | undefined,
  ): void {
    const { phases } = this.pool;
    phases.connectWait.record(connectWaitMs);
    if (headersMs !== undefined) phases.headers.record(headersMs);
    for (let i = 0; i < this.sinks.length; i++) {
      const sink = this.sinks[i];
      if (connectWaitMs > 0) sink.connectWait(connectWaitMs / 1000);
      sink.attemptEnded(code, attemptMs / 1000, traffic);
    }
  }

  retried(code: status): void {
    this.pool.retries++;
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].retried(code);
  }

  retryRefusedByBudget(): void {
    this.pool.retriesRefusedByBudget++;
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].retryRefusedByBudget();
  }

  callEnded(code: status, ms: number, messages?: CallMessages): void {
    this.pool.outcomes.finish(code, ms);
    this.outcomes.finish(code, ms);
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i].callEnded(code, ms / 1000, messages);
  }
}
