import { status } from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoAsyncService } from '../support/echo-client.js';
import { failure } from '../support/failure.js';
import { settlesWithin } from '../support/hang-guard.js';
import {
  askingFor,
  GRPC_CODE_NAMES,
  MANY_UNKNOWN_CODES,
  ODD_STATUSES,
} from '../support/odd-status-calls.js';
import { startOddStatusServer, type OddStatusServer } from '../support/odd-status-server.js';
import { registerOtelSdk, type OtelTestSdk } from '../support/otel-sdk.js';

/** Bounds each call, which takes milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;
const ECHO = 'test.v1.EchoService/Echo';
/** go-grpc-prometheus's names of the 17 codes, the only `grpc_code` values there may be. */
const GO_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/**
 * A backend must not be able to grow the metric set: whatever `grpc-status`
 * it sends, the code labels and attributes stay within gRPC's 17 codes.
 */
describe('metrics and spans after odd grpc-status values', () => {
  let sdk: OtelTestSdk;
  let server: OddStatusServer;
  let pool: GrpcPool | undefined;
  const registry = new Registry();
  const oddCalls = [...ODD_STATUSES, ...MANY_UNKNOWN_CODES];

  beforeAll(async () => {
    sdk = registerOtelSdk();
    server = await startOddStatusServer();
    pool = createEchoPool(server.address, { name: 'ODD', prometheus: { registry } });
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    for (const grpcStatus of oddCalls) {
      await settlesWithin(
        failure(echo.echo({ message: 'x' }, askingFor(grpcStatus))),
        HANG_GUARD_MS,
        `the call answered ${grpcStatus}`,
      );
    }
  });
  afterAll(async () => {
    try {
      await closeTestPool(pool, server);
    } finally {
      await sdk.shutdown();
    }
  });

  it('counts them all as Unknown in grpc_client_handled_total, with no Code(n) series', async () => {
    const handled = (await registry.getMetricsAsJSON()).find(
      (metric) => metric.name === 'grpc_client_handled_total',
    );
    const codes = new Set(handled?.values.map((value) => String(value.labels.grpc_code)));
    expect([...codes]).toEqual(['Unknown']);
    expect(handled?.values.map((value) => value.value)).toEqual([oddCalls.length]);
    for (const code of codes) expect(GO_CODE_NAMES).toContain(code);
    expect(await registry.metrics()).not.toContain('Code(');
  });

  it('records them as UNKNOWN in grpc.status of the A66 durations', async () => {
    for (const name of ['grpc.client.call.duration', 'grpc.client.attempt.duration']) {
      const points = (await sdk.points(name)).filter((p) => p.attributes['grpc.method'] === ECHO);
      const statuses = new Set(points.map((point) => String(point.attributes['grpc.status'])));
      expect([...statuses]).toEqual(['UNKNOWN']);
      for (const name of statuses) expect(GRPC_CODE_NAMES).toContain(name);
    }
  });

  it('ends their spans with rpc.grpc.status_code UNKNOWN', () => {
    // The spans ended while beforeAll ran: read before afterEach resets them.
    const spans = sdk.spans().filter((span) => span.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(oddCalls.length);
    const codes = new Set(spans.map((span) => span.attributes['rpc.grpc.status_code']));
    expect([...codes]).toEqual([status.UNKNOWN]);
  });
});
