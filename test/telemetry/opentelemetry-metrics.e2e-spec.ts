import { status } from '@grpc/grpc-js';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, Subject, toArray } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { registerOtelSdk, type OtelTestSdk } from '../support/otel-sdk.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

const ECHO = 'test.v1.EchoService/Echo';
const A66_LATENCY_BUCKETS = [
  0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006,
  0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25,
  0.3, 0.4, 0.5, 0.65, 0.8, 1, 2, 5, 10, 20, 50, 100,
];

const sumOf = (points: DataPoint<unknown>[], where: Record<string, unknown> = {}): number =>
  points
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => {
      const value = p.value as number | Histogram;
      return sum + (typeof value === 'number' ? value : value.count);
    }, 0);

/** The sum (or count) of `name`'s points matching `where`, gained while `action` ran. */
async function gained(
  sdk: OtelTestSdk,
  name: string,
  where: Record<string, unknown>,
  action: () => Promise<unknown>,
  read: (value: Histogram) => number = (value) => value.count,
): Promise<number> {
  const total = async (): Promise<number> =>
    (await sdk.points(name))
      .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
      .reduce((sum, p) => {
        const value = p.value as number | Histogram;
        return sum + (typeof value === 'number' ? value : read(value));
      }, 0);
  const before = await total();
  await action();
  return (await total()) - before;
}

/**
 * The pool records through the global MeterProvider of a real
 * `@opentelemetry/sdk-metrics`, with nothing configured on the pool.
 */
describe('OpenTelemetry metrics', () => {
  let sdk: OtelTestSdk;
  let server: EchoServer;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    sdk = registerOtelSdk();
    server = await startEchoServer();
  });
  afterEach(async () => closeTestPool(pool));
  afterAll(async () => {
    await server.close();
    await sdk.shutdown();
  });

  it('counts attempts and calls by method, target and status (gRFC A66)', async () => {
    pool = createEchoPool(server.address, { name: 'A66' });
    const echo = pool.getService<EchoService>('EchoService');
    const startedAt = performance.now();
    for (let i = 0; i < 5; i++) await firstValueFrom(echo.echo({ message: `ok ${i}` }));
    for (let i = 0; i < 2; i++) {
      await failure(firstValueFrom(echo.echo({ message: 'no', failWith: status.NOT_FOUND })));
    }
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    const base = { 'grpc.method': ECHO, 'grpc.target': server.address };
    expect(sumOf(await sdk.points('grpc.client.attempt.started'), base)).toBe(7);
    const calls = await sdk.points('grpc.client.call.duration');
    expect(sumOf(calls, { ...base, 'grpc.status': 'OK' })).toBe(5);
    expect(sumOf(calls, { ...base, 'grpc.status': 'NOT_FOUND' })).toBe(2);
    const attempts = await sdk.points('grpc.client.attempt.duration');
    expect(sumOf(attempts, { ...base, 'grpc.status': 'OK' })).toBe(5);
    // Durations are seconds: the calls ran one after another, so together they took no longer
    // than the test spent making them (in milliseconds they would be a thousand times more).
    const ok = calls.find((p) => p.attributes['grpc.status'] === 'OK')!.value as Histogram;
    expect(ok.sum).toBeGreaterThan(0);
    expect(ok.max!).toBeLessThanOrEqual(ok.sum!);
    expect(ok.sum!).toBeLessThanOrEqual(elapsedSeconds);
  });

  it('uses the A66 latency buckets and records message sizes per attempt', async () => {
    pool = createEchoPool(server.address, { name: 'SIZES' });
    const echo = pool.getService<EchoService>('EchoService');
    const message = 'x'.repeat(1000);
    const where = { 'grpc.method': ECHO, 'grpc.status': 'OK' };
    const sum = (value: Histogram): number => value.sum!;
    let rcvdBytes = 0;
    // The request is the 1000-byte string with its tag and length; the reply adds the peer.
    const sentBytes = await gained(
      sdk,
      'grpc.client.attempt.sent_total_compressed_message_size',
      where,
      async () => {
        rcvdBytes = await gained(
          sdk,
          'grpc.client.attempt.rcvd_total_compressed_message_size',
          where,
          () => firstValueFrom(echo.echo({ message })),
          sum,
        );
      },
      sum,
    );
    expect(sentBytes).toBe(1003);
    expect(rcvdBytes).toBeGreaterThan(1003);
    const duration = (await sdk.collect()).find(
      (m) => m.descriptor.name === 'grpc.client.call.duration',
    ) as MetricData;
    const histogram = duration.dataPoints[0].value as Histogram;
    expect(histogram.buckets.boundaries).toEqual(A66_LATENCY_BUCKETS);
    expect(duration.descriptor.unit).toBe('s');
  });

  it('with messageSizes: false records no size histograms, and everything else', async () => {
    pool = createEchoPool(server.address, {
      name: 'NOSIZES',
      telemetry: { messageSizes: false },
    });
    const echo = pool.getService<EchoService>('EchoService');
    const where = { 'grpc.method': ECHO };
    let calls = 0;
    const sizes = await gained(
      sdk,
      'grpc.client.attempt.sent_total_compressed_message_size',
      where,
      async () => {
        calls = await gained(sdk, 'grpc.client.call.duration', where, () =>
          firstValueFrom(echo.echo({ message: 'no sizes' })),
        );
      },
    );
    expect(calls).toBe(1);
    expect(sizes).toBe(0);
  });

  it('shows retries with their reason, and every attempt', async () => {
    pool = createEchoPool(server.address, {
      name: 'RETRIES',
      defaultCallOptions: { retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 } },
      methods: { 'EchoService/Echo': { idempotent: true } },
    });
    const echo = pool.getService<EchoService>('EchoService');
    await firstValueFrom(
      echo.echo({ message: 'r', failWith: status.UNAVAILABLE, failTimes: 2, key: 'retry-1' }),
    );
    const retries = await sdk.points('grpc.pool.retries');
    expect(sumOf(retries, { 'grpc.pool.name': 'RETRIES', 'grpc.status': 'UNAVAILABLE' })).toBe(2);
    const started = await sdk.points('grpc.client.attempt.started');
    expect(sumOf(started, { 'grpc.target': server.address })).toBeGreaterThanOrEqual(3);
    const attempts = await sdk.points('grpc.client.attempt.duration');
    const calls = await sdk.points('grpc.client.call.duration');
    expect(attempts.length).toBeGreaterThan(0);
    expect(pool.stats().retries).toBe(2);
    // One call, OK, after three attempts (two of them UNAVAILABLE).
    expect(
      sumOf(calls, { 'grpc.target': server.address, 'grpc.status': 'OK' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('reports the pool: channels by state, calls in flight and queued, hit rate, queue wait', async () => {
    pool = createEchoPool(server.address, {
      name: 'GAUGES',
      pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 1 },
    });
    const echo = pool.getService<EchoService>('EchoService');
    // One slot: the second and third calls wait in the queue. Each call's request stream is
    // ended by the test, so the gauges are read while they are where the test put them.
    const requests = [1, 2, 3].map(() => new Subject<{ message: string }>());
    const running = requests.map((stream) => firstValueFrom(echo.collect(stream)));
    const during = { 'grpc.pool.name': 'GAUGES' };
    try {
      await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the first call to reach the server');
      expect(sumOf(await sdk.points('grpc.pool.calls.in_flight'), during)).toBe(1);
      expect(sumOf(await sdk.points('grpc.pool.calls.queued'), during)).toBe(2);
    } finally {
      for (const stream of requests) stream.complete();
    }
    await Promise.all(running);
    const channels = await sdk.points('grpc.pool.channels');
    expect(sumOf(channels, { ...during, 'grpc.pool.channel.state': 'READY' })).toBe(1);
    expect(sumOf(channels, { ...during, 'grpc.pool.channel.state': 'TRANSIENT_FAILURE' })).toBe(0);
    const waits = await sdk.points('grpc.pool.queue.wait');
    expect(sumOf(waits, during)).toBe(2);
    const hitRate = (await sdk.points('grpc.pool.hit_rate')).find(
      (p) => p.attributes['grpc.pool.name'] === 'GAUGES',
    )!.value as number;
    expect(hitRate).toBeCloseTo(pool.stats().hitRate, 5);
    // The first call opened the channel; the queued ones waited: no call found a READY slot at once.
    expect(hitRate).toBeLessThan(1);
    const slots = await sdk.points('grpc.pool.slot.acquisitions');
    expect(sumOf(slots, during)).toBe(3);
  });

  it('records nothing for a client with telemetry: false', async () => {
    pool = createEchoPool(server.address, { name: 'QUIET', telemetry: false });
    const echo = pool.getService<EchoService>('EchoService');
    const recorded = await gained(sdk, 'grpc.client.call.duration', { 'grpc.method': ECHO }, () =>
      firstValueFrom(echo.echo({ message: 'q' })),
    );
    expect(recorded).toBe(0);
    const quiet = (await sdk.collect())
      .flatMap((m) => m.dataPoints as DataPoint<unknown>[])
      .filter((p) => p.attributes['grpc.pool.name'] === 'QUIET');
    expect(quiet).toEqual([]);
    // stats() is kept whatever telemetry says.
    expect(pool.stats().calls.ok).toBe(1);
  });

  it('measures every message of a response stream in its attempt', async () => {
    pool = createEchoPool(server.address, { name: 'STREAMS' });
    const echo = pool.getService<EchoService>('EchoService');
    let replies: unknown[] = [];
    const where = { 'grpc.method': 'test.v1.EchoService/Count' };
    const bytes = await gained(
      sdk,
      'grpc.client.attempt.rcvd_total_compressed_message_size',
      where,
      async () => {
        replies = await lastValueFrom(echo.count({ count: 4, intervalMs: 0 }).pipe(toArray()));
      },
      (value) => value.sum!,
    );
    expect(replies).toHaveLength(4);
    // Four replies of a few bytes each, in one attempt.
    expect(bytes).toBeGreaterThanOrEqual(4 * 2);
    const points = await sdk.points('grpc.client.attempt.rcvd_total_compressed_message_size');
    const count = points.find((p) => p.attributes['grpc.method'] === 'test.v1.EchoService/Count');
    expect((count!.value as Histogram).count).toBe(1);
  });
});
