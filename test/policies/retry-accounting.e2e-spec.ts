import { status } from '@grpc/grpc-js';
import { SpanKind, type AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool, GrpcPoolClientOptions, GrpcRetryOptions } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { registerOtelSdk, type OtelTestSdk } from '../support/otel-sdk.js';
import { waitFor } from '../support/wait-for.js';

// A retry counts (stats, Prometheus, the span) only once its attempt is sent: one cut off in its
// backoff, by the deadline or an abort, never reached a server and is not a retry.

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;
/**
 * The call's deadline: room for the first attempt however loaded the machine, and far shorter
 * than any backoff below.
 */
const DEADLINE_MS = 3000;
/** A backoff no jitter brings under the deadline (full jitter: one chance in 700,000). */
const LONGEST_BACKOFF: GrpcRetryOptions = {
  initialBackoffMs: 2_147_483_647,
  maxBackoffMs: 2_147_483_647,
};

/** `grpc_pool_retries_total` summed over its series (0 when it has none). */
async function prometheusRetries(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find(
    (m) => m.name === 'grpc_pool_retries_total',
  );
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

describe('retry accounting: only a retry that is sent counts', () => {
  let sdk: OtelTestSdk;
  let server: EchoServer;
  let pool: GrpcPool | undefined;
  let registry: Registry;

  beforeAll(async () => {
    sdk = registerOtelSdk();
    server = await startEchoServer();
  });
  beforeEach(() => {
    sdk.reset();
    registry = new Registry();
  });
  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });
  afterAll(async () => {
    await server.close();
    await sdk.shutdown();
  });

  /** An echo pool whose Echo calls retry UNAVAILABLE with `retry`, exporting to Prometheus and OTel. */
  function retryingEcho(retry: GrpcRetryOptions): EchoService {
    const options: Partial<GrpcPoolClientOptions> = {
      prometheus: { registry },
      defaultCallOptions: { retry },
      methods: { 'EchoService/Echo': { idempotent: true } },
    };
    pool = createEchoPool(server.address, options);
    return pool.getService<EchoService>('EchoService');
  }

  /** The one CLIENT span the test's call made. */
  function callSpan(): ReadableSpan {
    const spans = sdk.spans().filter((span) => span.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(1);
    return spans[0];
  }

  /** The span's attempt count (absent: one attempt) and its retry events' attempt numbers. */
  function attemptsOf(span: ReadableSpan): {
    attempts: AttributeValue | undefined;
    retries: unknown[];
  } {
    return {
      attempts: span.attributes['grpc.pool.attempts'],
      retries: span.events
        .filter((event) => event.name === 'grpc.pool.retry')
        .map((event) => event.attributes?.['grpc.pool.attempt']),
    };
  }

  it('does not count a retry whose backoff outlasts the deadline', async () => {
    const echo = retryingEcho(LONGEST_BACKOFF);
    const error = await failure(
      firstValueFrom(
        echo.echo({ failWith: status.UNAVAILABLE, failTimes: 1, key: 'deadline-cut' }, undefined, {
          timeoutMs: DEADLINE_MS,
        }),
      ),
    );
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain('while waiting to retry');
    expect(server.attempts.get('deadline-cut')).toBe(1);
    expect(pool!.stats()).toMatchObject({ retries: 0, retriesRefusedByBudget: 0 });
    expect(await prometheusRetries(registry)).toBe(0);
    expect(attemptsOf(callSpan())).toEqual({ attempts: undefined, retries: [] });
  });

  it('does not count a retry whose backoff an abort cuts off', async () => {
    const echo = retryingEcho(LONGEST_BACKOFF);
    const controller = new AbortController();
    const outcome = failure(
      firstValueFrom(
        echo.echo({ failWith: status.UNAVAILABLE, failTimes: 1, key: 'abort-cut' }, undefined, {
          signal: controller.signal,
        }),
      ),
    );
    // The first attempt failed and freed its slot; the call is not over: it waits out its backoff.
    await waitFor(
      () => server.attempts.get('abort-cut') === 1 && pool!.stats().inFlight === 0,
      HANG_GUARD_MS,
      'the first attempt to fail',
    );
    expect(pool!.stats().calls).toMatchObject({ started: 1, ok: 0, failed: 0 });
    controller.abort();
    const error = await outcome;
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe(status.CANCELLED);
    expect(server.attempts.get('abort-cut')).toBe(1);
    expect(pool!.stats()).toMatchObject({ retries: 0, retriesRefusedByBudget: 0 });
    expect(await prometheusRetries(registry)).toBe(0);
    expect(attemptsOf(callSpan())).toEqual({ attempts: undefined, retries: [] });
  });

  it('counts a retry that is sent once, everywhere', async () => {
    const echo = retryingEcho({ initialBackoffMs: 5, maxBackoffMs: 20 });
    const reply = await firstValueFrom(
      echo.echo({ message: 'ok', failWith: status.UNAVAILABLE, failTimes: 1, key: 'sent' }),
    );
    expect(reply.message).toBe('ok');
    expect(server.attempts.get('sent')).toBe(2);
    expect(pool!.stats()).toMatchObject({ retries: 1, calls: { started: 1, ok: 1, failed: 0 } });
    expect(await prometheusRetries(registry)).toBe(1);
    expect(attemptsOf(callSpan())).toEqual({ attempts: 2, retries: [2] });
  });
});
