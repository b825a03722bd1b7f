import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, GrpcPoolStartupError } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { failure } from '../support/failure.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { startSilentServer, type SilentServer } from '../support/silent-server.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

/** A backend that accepts TCP and never completes the HTTP/2 handshake (grpc-node#2785). */
describe('fault: a backend that accepts TCP and never speaks', () => {
  let silent: SilentServer;
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, silent);
    pool = undefined;
  });

  it('no caller hangs past its deadline, and the stuck channel is replaced every connectTimeoutMs', async () => {
    silent = await startSilentServer();
    pool = createEchoPool(silent.address, { pool: { connectTimeoutMs: 300 } });
    const echo = pool.getService<EchoService>('EchoService');
    const startedAt = Date.now();
    const calls = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        failure(firstValueFrom(echo.echo({ message: String(i) }, undefined, { timeoutMs: 700 }))),
      ),
    );
    const took = Date.now() - startedAt;
    expect(took).toBeLessThan(1500);
    // Each fails by its deadline, or sooner as never sent when its channel is replaced and the
    // retry budget (or the deadline) allows no further attempt.
    for (const error of calls) {
      expect([
        `${status.DEADLINE_EXCEEDED}`,
        `${status.UNAVAILABLE} Channel closed before call started`,
      ]).toContain(
        error.code === status.DEADLINE_EXCEEDED
          ? `${error.code}`
          : `${error.code} ${error.details}`,
      );
    }
    expect(calls.some((error) => error.code === status.DEADLINE_EXCEEDED)).toBe(true);
    // Replaced, not left CONNECTING: each replacement is a new TCP connection at the backend.
    await waitFor(() => silent.connections >= 3, 3000, 'the stuck channel to be replaced twice');
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
    const startedAt = Date.now();
    const error = await pool.onModuleInit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(error).toBeInstanceOf(GrpcPoolStartupError);
    expect((error as Error).message).toBe(
      `gRPC pool "ECHO" was not ready within startup.timeoutMs 400 (targets: ${silent.address}): ` +
        `${silent.address} is CONNECTING`,
    );
    expect(pool.state).toBe('closed');
  });
});
