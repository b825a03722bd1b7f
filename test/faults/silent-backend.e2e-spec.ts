import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcPoolStartupError } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { failure } from '../support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { startSilentServer, type SilentServer } from '../support/silent-server.js';
import { waitFor } from '../support/wait-for.js';
import { settlesWithin } from '../support/hang-guard.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** Bounds what must end on its own (a deadline, a start-up timeout, a replacement): 10x and more what it guards. */
const HANG_GUARD_MS = 10_000;

/** A backend that accepts TCP and never completes the HTTP/2 handshake (grpc-node#2785). */
describe('fault: a backend that accepts TCP and never speaks', () => {
  let silent: SilentServer;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, silent);
    pool = undefined;
  });

  function callAll(echo: EchoService, timeoutMs: number) {
    return settlesWithin(
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          failure(firstValueFrom(echo.echo({ message: String(i) }, undefined, { timeoutMs }))),
        ),
      ),
      HANG_GUARD_MS,
      'calls to a silent backend',
    );
  }

  it('the deadline ends every call while the channel is stuck CONNECTING', async () => {
    silent = await startSilentServer();
    // The watchdog stays out of this one: only the deadlines can end the calls.
    pool = createEchoPool(silent.address, { pool: { connectTimeoutMs: 60_000 } });
    const errors = await callAll(pool.getService<EchoService>('EchoService'), 300);
    expect(errors.map((error) => status[error.code])).toEqual(Array(20).fill('DEADLINE_EXCEEDED'));
    expect(silent.connections).toBe(1);
    expect(pool.stats().channels.map((c) => c.state)).toEqual(['CONNECTING']);
    expect(pool.stats().inFlight).toBe(0);
  });

  it('no caller hangs while the stuck channel is replaced every connectTimeoutMs', async () => {
    silent = await startSilentServer();
    pool = createEchoPool(silent.address, { pool: { connectTimeoutMs: 300 } });
    const errors = await callAll(pool.getService<EchoService>('EchoService'), 700);
    // Each fails by its deadline, or sooner as never sent when its channel is replaced and the
    // retry budget (or the deadline) allows no further attempt.
    for (const error of errors) {
      expect([
        `${status.DEADLINE_EXCEEDED}`,
        `${status.UNAVAILABLE} Channel closed before call started`,
      ]).toContain(
        error.code === status.DEADLINE_EXCEEDED
          ? `${error.code}`
          : `${error.code} ${error.details}`,
      );
    }
    // Replaced, not left CONNECTING: each replacement is a new TCP connection at the backend.
    await waitFor(
      () => silent.connections >= 3,
      HANG_GUARD_MS,
      'the stuck channel to be replaced twice',
    );
    const [channel] = pool.stats().channels;
    expect(channel.id).toBeGreaterThanOrEqual(3);
    expect(channel.state).toBe('CONNECTING');
    expect(pool.stats().inFlight).toBe(0);
    expect(pool.state).toBe('connecting');
  });

  it('start-up with waitForReady fails by its timeout, naming the stuck state', async () => {
    silent = await startSilentServer();
    pool = new GrpcPool({
      name: 'ECHO',
      package: ECHO_PACKAGE,
      protoPath: ECHO_PROTO,
      url: silent.address,
      startup: { waitForReady: true, timeoutMs: 400 },
    });
    const error = await settlesWithin(
      pool.onModuleInit().then(
        () => undefined,
        (e: unknown) => e,
      ),
      HANG_GUARD_MS,
      'start-up',
    );
    expect(error).toBeInstanceOf(GrpcPoolStartupError);
    expect((error as Error).message).toBe(
      `gRPC pool "ECHO" was not ready within startup.timeoutMs 400 (targets: ${silent.address}): ` +
        `${silent.address} is CONNECTING`,
    );
    expect(pool.state).toBe('closed');
  });
});
