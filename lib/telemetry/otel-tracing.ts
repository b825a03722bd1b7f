import { Client, Metadata, status } from '@grpc/grpc-js';
import type {
  Attributes,
  Context,
  Span,
  TextMapSetter,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { LIBRARY_NAME, LIBRARY_VERSION } from './library-version.js';
import type { MethodIdentity } from './metric-sink.interface.js';

/** The parts of `@opentelemetry/api` the tracer uses. */
export type OtelApi = typeof import('@opentelemetry/api');

/** Writes propagation headers (W3C `traceparent`, `tracestate`, `baggage`) into gRPC metadata. */
const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

/**
 * One CLIENT span per call, child of the context the call was made in,
 * with OpenTelemetry's RPC attributes. Retries and time spent queued are
 * events on it: every attempt's server span is a child of the call span, so
 * a trace shows each attempt without doubling the spans of the calls that
 * never retry. Each attempt's metadata carries the span's context through
 * the global propagator.
 */
export class MethodTracer {
  private readonly attributes: Attributes;
  /** The API's no-op provider, what an empty proxy delegates to. */
  private readonly noop: TracerProvider;
  /** The provider the tracer below came from: a provider registered later replaces both. */
  private provider: TracerProvider | undefined;
  private tracer: Tracer | undefined;
  private readonly servers = new Map<string, Attributes>();

  constructor(
    private readonly api: OtelApi,
    private readonly method: MethodIdentity,
  ) {
    this.noop = new api.ProxyTracerProvider().getDelegate();
    this.attributes = {
      'rpc.system': 'grpc',
      'rpc.service': method.service,
      'rpc.method': method.method,
    };
  }

  /**
   * Starts the call's span in the active context; none while
   * `@opentelemetry/instrumentation-grpc` has wrapped grpc-js, which makes
   * its own CLIENT span for each attempt (the pool runs attempts in the
   * call's context, so those spans land in the caller's trace).
   */
  start(): Span | undefined {
    if (grpcJsIsInstrumented()) return undefined;
    const { context, trace } = this.api;
    const active = context.active();
    const provider = this.currentProvider();
    // No tracer provider registered and no trace to continue: not even a no-op span.
    if (provider === this.noop && trace.getSpan(active) === undefined) return undefined;
    const span = this.tracerOf(provider).startSpan(
      this.method.path.slice(1),
      { kind: this.api.SpanKind.CLIENT, attributes: this.attributes },
      active,
    );
    // No SDK and no trace to continue: nothing to record or propagate, so skip the per-attempt
    // metadata copy. (A sampled-out span still has a valid context, which must travel on.)
    if (!span.isRecording() && !this.api.isSpanContextValid(span.spanContext())) return undefined;
    return span;
  }

  /** `server.address` / `server.port` of `target`, parsed once per target (a pool has a few). */
  private serverAttributes(target: string): Attributes {
    let attributes = this.servers.get(target);
    if (attributes === undefined) {
      const { address, port } = serverOf(target);
      attributes =
        port === undefined
          ? { 'server.address': address }
          : { 'server.address': address, 'server.port': port };
      this.servers.set(target, attributes);
    }
    return attributes;
  }

  /**
   * The tracer provider the app has registered now (the API's no-op one if
   * none): read per call, so a provider registered, replaced or removed after
   * the pool was built is followed. The global is a proxy; its delegate is
   * the real one (the proxy's own tracers keep the first delegate they found).
   */
  private currentProvider(): TracerProvider {
    const global = this.api.trace.getTracerProvider();
    return global instanceof this.api.ProxyTracerProvider ? global.getDelegate() : global;
  }

  private tracerOf(provider: TracerProvider): Tracer {
    if (provider !== this.provider || this.tracer === undefined) {
      this.provider = provider;
      this.tracer = provider.getTracer(LIBRARY_NAME, LIBRARY_VERSION);
    }
    return this.tracer;
  }

  /** A call that failed before it was sent (bad options, a pool that is closing) still gets its span. */
  failedBeforeSent(error: { code: status; details?: string }): void {
    const span = this.start();
    if (span !== undefined) this.end(span, error.code, error.details ?? '', undefined, 1);
  }

  /** A copy of `metadata` carrying `span`'s context, so the caller's metadata is never changed. */
  inject(span: Span, metadata: Metadata): Metadata {
    const carrier = metadata.clone();
    const withSpan: Context = this.api.trace.setSpan(this.api.context.active(), span);
    this.api.propagation.inject(withSpan, carrier, metadataSetter);
    return carrier;
  }

  queued(span: Span, sinceEpochMs: number, waitedMs: number): void {
    span.addEvent('grpc.pool.queued', { 'grpc.pool.queue.wait_ms': waitedMs }, sinceEpochMs);
  }

  retry(span: Span, nextAttempt: number, failedWith: status, backoffMs: number): void {
    span.addEvent('grpc.pool.retry', {
      'grpc.pool.attempt': nextAttempt,
      'rpc.grpc.status_code': failedWith,
      'grpc.pool.backoff_ms': Math.round(backoffMs),
    });
  }

  end(
    span: Span,
    code: status,
    details: string,
    target: string | undefined,
    attempts: number,
  ): void {
    span.setAttribute('rpc.grpc.status_code', code);
    if (attempts > 1) span.setAttribute('grpc.pool.attempts', attempts);
    if (target !== undefined) span.setAttributes(this.serverAttributes(target));
    // OpenTelemetry's RPC conventions: on a client, every status but OK is an error.
    if (code !== status.OK) {
      span.setStatus({
        code: this.api.SpanStatusCode.ERROR,
        message: `${status[code]}: ${details}`,
      });
    }
    span.end();
  }
}

/**
 * Whether `@opentelemetry/instrumentation-grpc` (or another shimmer-based
 * instrumentation) has wrapped grpc-js's client: it marks wrapped functions
 * with `__wrapped`. Read per call, so turning it on later is followed.
 */
function grpcJsIsInstrumented(): boolean {
  const makeUnary = Client.prototype.makeUnaryRequest as { __wrapped?: unknown };
  return makeUnary.__wrapped === true;
}

/** Resolver schemes grpc-js knows, with an optional `//authority/`. */
const SCHEME = /^(?:dns|ipv4|ipv6|unix|unix-abstract|vsock|xds):(?:\/\/[^/]*\/)?/i;

/**
 * `host:port`, `[v6]:port`, `dns:///host:port` (the first address of a list) → address and port.
 * @internal exported for the tests
 */
export function serverOf(target: string): { address: string; port: number | undefined } {
  const first = target.replace(SCHEME, '').split(',')[0];
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
  if (bracketed) return { address: bracketed[1], port: toPort(bracketed[2]) };
  const colon = first.lastIndexOf(':');
  // No port, or a bare IPv6 address: all of it is the address.
  if (colon === -1 || first.indexOf(':') !== colon) return { address: first, port: undefined };
  return { address: first.slice(0, colon), port: toPort(first.slice(colon + 1)) };
}

function toPort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
