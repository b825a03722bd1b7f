import { createServer, type Socket } from 'node:net';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GrpcPool,
  GrpcPoolModule,
  GrpcPoolStartupError,
  type GrpcPoolClientOptions,
} from '../../lib/index.js';
import type { EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../support/protos.js';
import { waitFor } from '../support/wait-for.js';

/** Keeps what the app logs, so a test can count the pool's messages. */
class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string; context?: string }[] = [];
  log(message: string, context?: string) {
    this.lines.push({ level: 'log', message, context });
  }
  warn(message: string, context?: string) {
    this.lines.push({ level: 'warn', message, context });
  }
  error(message: string, context?: string) {
    this.lines.push({ level: 'error', message, context });
  }
  linesWith(text: string) {
    return this.lines.filter((line) => line.message.includes(text));
  }
}

/**
 * Hang guards: bounds far above what they guard (a connect on loopback, a
 * start-up of a few hundred ms), so that only a hang reaches them.
 */
const HANG_GUARD_MS = 20_000;
/** A startup.timeoutMs no test reaches: start-up must end for another reason. */
const NEVER_WITHIN_THE_TEST_MS = 10 * 60_000;

/**
 * A loopback port where every connection attempt is seen and then dropped
 * before HTTP/2 begins: the pool's channel fails each attempt as against a
 * dead backend, and the test can count grpc-js's attempts instead of waiting
 * for them to happen.
 */
interface DroppingListener {
  port: number;
  readonly attempts: number;
  /** Stops listening, so that a real server can take the port. */
  close(): Promise<void>;
}

async function startDroppingListener(): Promise<DroppingListener> {
  const state = { attempts: 0 };
  const listener = createServer((socket: Socket) => {
    state.attempts++;
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  let closing: Promise<void> | undefined;
  return {
    port,
    get attempts() {
      return state.attempts;
    },
    close: () => (closing ??= new Promise<void>((resolve) => listener.close(() => resolve()))),
  };
}

/** Whether `promise` has settled (resolved or rejected) yet. */
function settledFlag(promise: Promise<unknown>): { readonly settled: boolean } {
  const flag = { settled: false };
  const settle = (): void => {
    flag.settled = true;
  };
  promise.then(settle, settle);
  return flag;
}

async function createApp(
  client: Partial<GrpcPoolClientOptions>,
  logger: LoggerService | false = false,
): Promise<INestApplication> {
  class AppModule {}
  Module({
    imports: [
      GrpcPoolModule.register({
        clients: [{ name: 'ECHO', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, ...client }],
      }),
    ],
  })(AppModule);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  return moduleRef.createNestApplication({ logger });
}

describe('start-up', () => {
  let app: INestApplication | undefined;
  let server: EchoServer | undefined;
  let listener: DroppingListener | undefined;

  afterEach(async () => {
    await app?.close();
    await listener?.close();
    await server?.close();
    app = server = listener = undefined;
  });

  it('waitForReady against a closed port: start-up fails naming the client, target and error', async () => {
    const port = await freePort();
    app = await createApp({
      url: `127.0.0.1:${port}`,
      startup: { waitForReady: true, timeoutMs: 500 },
    });
    const startedAt = Date.now();
    const failure = await app.init().then(
      () => undefined,
      (error: unknown) => error,
    );
    const took = Date.now() - startedAt;
    expect(failure).toBeInstanceOf(GrpcPoolStartupError);
    const { message } = failure as GrpcPoolStartupError;
    expect(message).toMatch(
      new RegExp(
        `^gRPC pool "ECHO" was not ready within startup.timeoutMs 500 \\(targets: 127.0.0.1:${port}\\): ` +
          `127.0.0.1:${port} is TRANSIENT_FAILURE \\(UNAVAILABLE: .*ECONNREFUSED`,
      ),
    );
    // It waited out its timeout instead of failing at the first refused connect
    // (a lower bound only: load can make it later, never earlier).
    expect(took).toBeGreaterThanOrEqual(450);
    // The failed pool closed itself: nothing it opened keeps the process alive.
    expect(app.get<GrpcPool>('ECHO').state).toBe('closed');
    expect(app.get<GrpcPool>('ECHO').stats().channels).toEqual([]);
  });

  it('waitForReady holds start-up until the backend comes up (even with minChannels 0)', async () => {
    listener = await startDroppingListener();
    const { port } = listener;
    app = await createApp({
      url: `127.0.0.1:${port}`,
      pool: { minChannels: 0 },
      startup: { waitForReady: true, timeoutMs: NEVER_WITHIN_THE_TEST_MS },
    });
    const init = app.init();
    const initState = settledFlag(init);
    await waitFor(() => listener!.attempts >= 1, HANG_GUARD_MS, 'the first connection attempt');
    // The attempt failed and start-up still waits: the backend is not up yet.
    await waitFor(
      () => app!.get<GrpcPool>('ECHO').state === 'down',
      HANG_GUARD_MS,
      'the pool to see the failed attempt',
    );
    expect(initState.settled).toBe(false);

    await listener.close();
    server = await startEchoServer({ port });
    await init;
    const pool = app.get<GrpcPool>('ECHO');
    expect(pool.state).toBe('ready');
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'hi' }))).message).toBe('hi');
  });

  it('without waitForReady: starts at once, logs the failed connect once, recovers when the backend comes up', async () => {
    listener = await startDroppingListener();
    const { port } = listener;
    const logger = new RecordingLogger();
    app = await createApp({ url: `127.0.0.1:${port}` }, logger);
    await app.init();
    const pool = app.get<GrpcPool>('ECHO');
    // Start-up returned although no connection can succeed until the test starts the
    // backend below: it did not wait for one (had it waited, it would never return).
    expect(pool.state).not.toBe('ready');
    await waitFor(() => pool.state === 'down', HANG_GUARD_MS, 'the pool to see the failed connect');
    // grpc-js tries again (after its backoff): a failure already reported stays quiet.
    const attemptsBefore = listener.attempts;
    await waitFor(
      () => listener!.attempts > attemptsBefore,
      HANG_GUARD_MS,
      'another connection attempt',
    );
    // The listener saw it while the channel was CONNECTING; back in TRANSIENT_FAILURE, it failed.
    await waitFor(
      () => pool.stats().channels[0]?.state === 'TRANSIENT_FAILURE',
      HANG_GUARD_MS,
      'that attempt to fail too',
    );
    const failures = logger.linesWith('can carry calls');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'warn', context: 'GrpcPool ECHO' });
    expect(failures[0].message).toContain(`127.0.0.1:${port}`);

    await listener.close();
    server = await startEchoServer({ port });
    await waitFor(() => pool.state === 'ready', HANG_GUARD_MS, 'the pool to reconnect');
    expect(logger.linesWith('ready again')).toHaveLength(1);
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'back' }))).message).toBe('back');
  });

  it('closing the pool during start-up ends the wait at once, without failing start-up', async () => {
    listener = await startDroppingListener();
    app = await createApp({
      url: `127.0.0.1:${listener.port}`,
      // Only the close can end this start-up within the test.
      startup: { waitForReady: true, timeoutMs: NEVER_WITHIN_THE_TEST_MS },
    });
    const pool = app.get<GrpcPool>('ECHO');
    const states: string[] = [];
    pool.state$.subscribe((state) => states.push(state));
    const init = app.init();
    const initState = settledFlag(init);
    await waitFor(() => listener!.attempts >= 1, HANG_GUARD_MS, 'start-up to be waiting');
    expect(initState.settled).toBe(false);
    void pool.close();
    await init;
    expect(pool.state).toBe('closed');
    expect(states.at(-1)).toBe('closed');
    expect(states).toContain('draining');
  });

  it('app.close() while start-up waits ends the wait; closing twice is safe', async () => {
    listener = await startDroppingListener();
    app = await createApp({
      url: `127.0.0.1:${listener.port}`,
      // Only the close can end this start-up within the test.
      startup: { waitForReady: true, timeoutMs: NEVER_WITHIN_THE_TEST_MS },
    });
    const pool = app.get<GrpcPool>('ECHO');
    const init = app.init();
    // Nest's HTTP app runs the shutdown hooks at once, so the pool closes and the wait ends.
    await Promise.all([app.close(), app.close()]);
    await init;
    await pool.close();
    expect(pool.state).toBe('closed');
    app = undefined;
  });
});
