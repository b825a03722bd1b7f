import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, Subject, toArray, of } from 'rxjs';
import { GrpcPoolCallError, GrpcUnknownServiceError, type GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

describe('service facade: the four call kinds through the pool', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoService;

  beforeAll(async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    echo = pool.getService<EchoService>('EchoService');
  });
  afterAll(async () => {
    await closeTestPool(pool, server);
  });

  it('makes a unary call, under the camelCase and the proto method name', async () => {
    const reply = await firstValueFrom(echo.echo({ message: 'hi' }));
    expect(reply.message).toBe('hi');
    const byProtoName = pool.getService<{ Echo: EchoService['echo'] }>('EchoService');
    expect((await firstValueFrom(byProtoName.Echo({ message: 'proto' }))).message).toBe('proto');
  });

  it('sends metadata, and accepts undefined metadata with options', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t0k');
    expect((await firstValueFrom(echo.echo({ message: 'm' }, metadata))).token).toBe('Bearer t0k');
    expect(
      (await firstValueFrom(echo.echo({ message: 'u' }, undefined, { timeoutMs: 1000 }))).message,
    ).toBe('u');
  });

  it('is cold: nothing is sent until subscribe', async () => {
    const before = server.calls;
    const startedBefore = pool.stats().calls.started;
    const call$ = echo.echo({ message: 'cold' });
    // A full turn of the event loop: whatever a hot call would start on its own has started.
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.stats().calls.started).toBe(startedBefore);
    // A call made after it reaches the server alone.
    await firstValueFrom(echo.echo({ message: 'hot' }));
    expect(server.calls).toBe(before + 1);
    expect(server.metadataOf.has('cold')).toBe(false);
    await firstValueFrom(call$);
    expect(server.calls).toBe(before + 2);
    expect(server.metadataOf.has('cold')).toBe(true);
  });

  it('streams server responses', async () => {
    const replies = await lastValueFrom(echo.count({ count: 5, intervalMs: 1 }).pipe(toArray()));
    expect(replies.map((r) => r.message)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('streams client requests from an Observable, including a hot Subject', async () => {
    expect(
      (await firstValueFrom(echo.collect(of({ message: 'a' }, { message: 'b' })))).message,
    ).toBe('a,b');
    const requests = new Subject<{ message: string }>();
    const reply = firstValueFrom(echo.collect(requests));
    requests.next({ message: 'x' });
    requests.next({ message: 'y' });
    requests.complete();
    expect((await reply).message).toBe('x,y');
  });

  it('runs a bidirectional stream', async () => {
    const replies = await lastValueFrom(
      echo.chat(of({ message: '1' }, { message: '2' })).pipe(toArray()),
    );
    expect(replies.map((r) => r.message)).toEqual(['echo:1', 'echo:2']);
  });

  it('keeps the grpc-js ServiceError shape for server errors', async () => {
    const error = (await firstValueFrom(
      echo.echo({ message: 'no', failWith: status.NOT_FOUND }),
    ).catch((e: unknown) => e)) as ServiceError;
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe('failed on purpose: no');
    expect(error.metadata.get('x-failed-by')).toEqual(['echo-server']);
    expect(error.message).toContain('failed on purpose');
  });

  it('cancels the call on the wire when the subscriber unsubscribes, and frees the slot', async () => {
    const cancelledBefore = server.cancelled;
    const subscription = echo.slow({ delayMs: 60_000 }).subscribe();
    await waitFor(
      () => pool.stats().inFlight === 1 && server.active === 1,
      HANG_GUARD_MS,
      'the call to reach the server',
    );
    subscription.unsubscribe();
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the cancel',
    );
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
    expect(pool.stats().channels.every((c) => c.inFlight === 0)).toBe(true);
  });

  it('cancels a server stream and a bidi stream on unsubscribe', async () => {
    const cancelledBefore = server.cancelled;
    // The bidi handler does not answer its request stream's end: only a cancel ends it, not a half-close.
    const release = server.holdRequestStreamEnds();
    const stream = echo.count({ count: 1000, intervalMs: 20 }).subscribe();
    const chat = echo.chat(new Subject()).subscribe();
    try {
      await waitFor(() => server.active === 2, HANG_GUARD_MS, 'both streams to reach the server');
      stream.unsubscribe();
      chat.unsubscribe();
      await waitFor(
        () => server.cancelled === cancelledBefore + 2,
        HANG_GUARD_MS,
        'the server to see both cancels',
      );
    } finally {
      // Also when an assertion fails: open streams would hold the server for the next tests.
      stream.unsubscribe();
      chat.unsubscribe();
      release();
    }
    expect(server.active).toBe(0);
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
  });

  it('gives DEADLINE_EXCEEDED from timeoutMs, a real deadline the server sees', async () => {
    const cancelledBefore = server.cancelled;
    // The reply would come long after the deadline, however slow the machine.
    const error = (await firstValueFrom(
      echo.slow({ delayMs: 60_000 }, undefined, { timeoutMs: 50 }),
    ).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the server to see the deadline cancel the call',
    );
  });

  it('fails only the call with a bad per-call option, with INVALID_ARGUMENT naming it', async () => {
    for (const timeoutMs of [-1, Number.NaN, '10' as unknown as number]) {
      const error = (await firstValueFrom(
        echo.echo({ message: 'x' }, undefined, { timeoutMs }),
      ).catch((e: unknown) => e)) as ServiceError;
      expect(error).toBeInstanceOf(GrpcPoolCallError);
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('options.timeoutMs');
    }
    expect((await firstValueFrom(echo.echo({ message: 'still fine' }))).message).toBe('still fine');
  });

  it('rejects a client stream given a plain value, naming the method', async () => {
    const error = (await firstValueFrom(echo.collect({ message: 'nope' } as never)).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('/test.v1.EchoService/Collect');
  });

  it('fails a client stream whose request Observable errors, and cancels it on the wire', async () => {
    // The handler does not answer its request stream's end: a half request seen as complete
    // (a half-close) would leave it running; only a cancel ends it.
    const release = server.holdRequestStreamEnds();
    const requests = new Subject<{ message: string }>();
    try {
      const reply = firstValueFrom(echo.collect(requests)).catch((e: unknown) => e);
      await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the stream to reach the server');
      const cancelledBefore = server.cancelled;
      requests.error(new Error('source broke'));
      const error = (await reply) as ServiceError;
      expect(error.code).toBe(status.CANCELLED);
      expect(error.message).toContain('source broke');
      await waitFor(
        () => server.cancelled === cancelledBefore + 1,
        HANG_GUARD_MS,
        'the server to see the cancel',
      );
    } finally {
      // Also when an assertion fails: an open stream would hold the server for the next tests.
      requests.error(new Error('test over'));
      release();
    }
    expect(server.active).toBe(0);
    await waitFor(() => pool.stats().inFlight === 0, HANG_GUARD_MS, 'the slot to be freed');
  });

  it('throws for an unknown service, naming it and listing the known ones', () => {
    expect(() => pool.getService('Nope')).toThrow(GrpcUnknownServiceError);
    expect(() => pool.getService('Nope')).toThrow(
      'gRPC pool "ECHO" has no service "Nope"; the loaded packages define: EchoService, OtherService',
    );
    expect(() => pool.getClientByServiceName('Nope')).toThrow('no service "Nope"');
  });

  it('serves other services of the same package on the same channels', async () => {
    const other = pool.getService<{
      ping(r: { message: string }): ReturnType<EchoService['echo']>;
    }>('OtherService');
    expect((await firstValueFrom(other.ping({ message: 'p' }))).message).toBe('pong:p');
  });
});
