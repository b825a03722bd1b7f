import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { registerOtelSdk, type OtelTestSdk } from '../support/otel-sdk.js';

/**
 * A pool built before the app registers an OpenTelemetry SDK: it sends no
 * trace context while there is none, and its spans follow the SDK once it
 * is registered (the tracer is looked up per call; the meter, as the
 * docs/observability.md says, is taken when the pool is built).
 */
describe('OpenTelemetry SDK registered after the pool was built', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let sdk: OtelTestSdk | undefined;

  beforeAll(async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
  });
  afterAll(async () => {
    await closeTestPool(pool, server);
    await sdk?.shutdown();
  });

  it('sends no traceparent before, and makes spans after', async () => {
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'before' }));
    expect(server.traceparents).toEqual([undefined]);
    sdk = registerOtelSdk();
    await firstValueFrom(echo.echo({ message: 'after' }));
    const spans = sdk.spans().filter((span) => span.kind === SpanKind.CLIENT);
    expect(spans.map((span) => span.name)).toEqual(['test.v1.EchoService/Echo']);
    expect(server.traceparents[1]).toBe(
      `00-${spans[0].spanContext().traceId}-${spans[0].spanContext().spanId}-01`,
    );
    // No metrics from this pool: its meter was the API's no-op one when it was built.
    expect(await sdk.points('grpc.client.call.duration')).toEqual([]);
  });

  it('follows a provider that replaces the first one', async () => {
    const first = sdk!;
    await first.shutdown();
    sdk = registerOtelSdk();
    await firstValueFrom(pool.getService<EchoService>('EchoService').echo({ message: 'second' }));
    expect(sdk.spans().filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(1);
    expect(first.spans()).toEqual([]);
  });
});
