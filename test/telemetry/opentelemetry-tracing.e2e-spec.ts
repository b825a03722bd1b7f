import { status } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, Subject, throwError } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { registerOtelSdk, type OtelTestSdk } from '../support/otel-sdk.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;
/** libuv counts timers in whole milliseconds, so one can fire up to 1 ms early against performance.now(). */
const TIMER_SLACK_MS = 2;

/** A span's duration in milliseconds. */
const durationMs = (span: ReadableSpan): number => span.duration[0] * 1000 + span.duration[1] / 1e6;

/** Runs `fn` inside a new active parent span, which it ends afterwards. */
async function insideParent<T>(name: string, fn: (parent: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('test').startActiveSpan(name, async (parent) => {
    try {
      return await fn(parent);
    } finally {
      parent.end();
    }
  });
}

const clientSpans = (sdk: OtelTestSdk): ReadableSpan[] =>
  sdk.spans().filter((span) => span.kind === SpanKind.CLIENT);

/** W3C traceparent: version-traceid-spanid-flags. */
const traceparentOf = (span: ReadableSpan): string =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

describe('OpenTelemetry traces', () => {
  let sdk: OtelTestSdk;
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    sdk = registerOtelSdk();
    server = await startEchoServer();
  });
  beforeEach(() => {
    sdk.reset();
    server.traceparents.length = 0;
  });
  afterEach(async () => closeTestPool(pool));
  afterAll(async () => {
    await server.close();
    await sdk.shutdown();
  });

  it('makes one CLIENT span per call, child of the caller, and sends its context to the server', async () => {
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    const parentId = await insideParent('handler', async (parent) => {
      await firstValueFrom(echo.echo({ message: 'traced' }));
      return parent.spanContext();
    });
    const [span] = clientSpans(sdk);
    expect(clientSpans(sdk)).toHaveLength(1);
    expect(span.name).toBe('test.v1.EchoService/Echo');
    expect(span.spanContext().traceId).toBe(parentId.traceId);
    expect(span.parentSpanContext?.spanId).toBe(parentId.spanId);
    expect(span.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'test.v1.EchoService',
      'rpc.method': 'Echo',
      'rpc.grpc.status_code': 0,
      'server.address': '127.0.0.1',
      'server.port': server.port,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(server.traceparents).toEqual([traceparentOf(span)]);
  });

  it('marks a failed call as an error with its gRPC status', async () => {
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    await failure(firstValueFrom(echo.echo({ message: 'x', failWith: status.PERMISSION_DENIED })));
    const [span] = clientSpans(sdk);
    expect(span.attributes['rpc.grpc.status_code']).toBe(status.PERMISSION_DENIED);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/^PERMISSION_DENIED/);
  });

  it('shows each retry as an event on the call span; every attempt carries the call span to the server', async () => {
    pool = createEchoPool(server.address, {
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
      methods: { 'EchoService/Echo': { idempotent: true } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(
      echo.echo({ message: 'r', failWith: status.UNAVAILABLE, failTimes: 2, key: 'trace-retry' }),
    );
    const spans = clientSpans(sdk);
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span.attributes['grpc.pool.attempts']).toBe(3);
    const retries = span.events.filter((event) => event.name === 'grpc.pool.retry');
    expect(retries.map((event) => event.attributes?.['grpc.pool.attempt'])).toEqual([2, 3]);
    expect(retries[0].attributes?.['rpc.grpc.status_code']).toBe(status.UNAVAILABLE);
    expect(server.traceparents).toEqual([1, 2, 3].map(() => traceparentOf(span)));
  });

  it('keeps a queued call in its own trace, with the time it waited', async () => {
    pool = createEchoPool(server.address, {
      pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // A holds the only slot until the test ends its request stream; B waits for it and gets it
    // when A ends, from A's events.
    const holdRequests = new Subject<{ message: string }>();
    const traceOfA = insideParent('request A', async (parent) => {
      await firstValueFrom(echo.collect(holdRequests));
      return parent.spanContext().traceId;
    });
    let traceOfB: Promise<string> | undefined;
    try {
      await waitFor(() => server.active === 1, HANG_GUARD_MS, 'A to reach the server');
      traceOfB = insideParent('request B', async (parent) => {
        await firstValueFrom(echo.slow({ delayMs: 10, message: 'B' }));
        return parent.spanContext().traceId;
      });
      await waitFor(() => pool!.stats().queued === 1, HANG_GUARD_MS, 'B to queue behind A');
    } finally {
      holdRequests.complete();
    }
    const [a, b] = await Promise.all([traceOfA, traceOfB]);
    const spans = clientSpans(sdk);
    expect(spans).toHaveLength(2);
    const spanA = spans.find((span) => span.spanContext().traceId === a)!;
    const spanB = spans.find((span) => span.spanContext().traceId === b)!;
    expect(spanA).toBeDefined();
    expect(spanB).toBeDefined();
    const queued = spanB.events.find((event) => event.name === 'grpc.pool.queued');
    // B waited (A did not), and its wait is part of its span (which also holds B's 10 ms on the server).
    const waitedMs = queued?.attributes?.['grpc.pool.queue.wait_ms'] as number;
    expect(waitedMs).toBeGreaterThan(0);
    expect(waitedMs).toBeLessThanOrEqual(durationMs(spanB));
    expect(spanA.events.some((event) => event.name === 'grpc.pool.queued')).toBe(false);
    // What the server saw for each call belongs to that call's trace.
    expect(server.traceparents).toEqual([traceparentOf(spanA), traceparentOf(spanB)]);
  });

  it('never changes the metadata the caller passed', async () => {
    const { Metadata } = await import('@grpc/grpc-js');
    pool = createEchoPool(server.address);
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer mine');
    await firstValueFrom(
      pool.getService<EchoService>('EchoService').echo({ message: 'm' }, metadata),
    );
    expect(metadata.get('traceparent')).toEqual([]);
    expect(server.traceparents[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('makes no span and sends no context with telemetry: { tracing: false }', async () => {
    pool = createEchoPool(server.address, { telemetry: { tracing: false } });
    await insideParent('handler', () =>
      firstValueFrom(pool!.getService<EchoService>('EchoService').echo({ message: 'off' })),
    );
    expect(clientSpans(sdk)).toEqual([]);
    expect(server.traceparents).toEqual([undefined]);
  });

  it('a call that fails before it is sent still has its span, with the error', async () => {
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    const error = await failure(
      firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: -1 })),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const [span] = clientSpans(sdk);
    expect(span.name).toBe('test.v1.EchoService/Echo');
    expect(span.attributes['rpc.grpc.status_code']).toBe(status.INVALID_ARGUMENT);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.traceparents).toEqual([]);
  });

  it('a call that gives up in the queue shows how long it waited', async () => {
    const ACQUIRE_TIMEOUT_MS = 100;
    pool = createEchoPool(server.address, {
      pool: {
        maxChannels: 1,
        maxConcurrentCallsPerChannel: 1,
        acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
      },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // The holder keeps the only slot until the test ends its request stream.
    const holdRequests = new Subject<{ message: string }>();
    const holder = firstValueFrom(echo.collect(holdRequests));
    try {
      const error = await failure(firstValueFrom(echo.echo({ message: 'waits' })));
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    } finally {
      holdRequests.complete();
    }
    await holder;
    const gaveUp = clientSpans(sdk).find((span) => span.name === 'test.v1.EchoService/Echo')!;
    const queued = gaveUp.events.find((event) => event.name === 'grpc.pool.queued');
    // It gave up when acquireTimeoutMs ran out, not before (a loaded machine only makes it later).
    expect(queued?.attributes?.['grpc.pool.queue.wait_ms']).toBeGreaterThanOrEqual(
      ACQUIRE_TIMEOUT_MS - TIMER_SLACK_MS,
    );
    expect(gaveUp.attributes['rpc.grpc.status_code']).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('a request stream that fails as it is subscribed makes one span, ended', async () => {
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    await failure(firstValueFrom(echo.collect(throwError(() => new Error('no requests')))));
    expect(clientSpans(sdk)).toHaveLength(1);
    expect(sdk.started()).toBe(1);
  });

  it('cancelling a call ends its span as CANCELLED', async () => {
    pool = createEchoPool(server.address);
    const cancelledBefore = server.cancelled;
    const subscription = pool
      .getService<EchoService>('EchoService')
      .slow({ delayMs: 60_000, message: 'c' })
      .subscribe({ error: () => undefined });
    try {
      await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the call to reach the server');
    } finally {
      subscription.unsubscribe();
    }
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the cancel',
    );
    expect(clientSpans(sdk)).toHaveLength(1);
    const [span] = clientSpans(sdk);
    expect(span.attributes['rpc.grpc.status_code']).toBe(status.CANCELLED);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });
});
