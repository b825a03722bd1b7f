import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GrpcPool,
  GrpcPoolModule,
  GrpcPoolStartupError,
  type GrpcPoolClientOptions,
} from '../lib/index.js';
import type { EchoService } from './support/echo-client.js';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { freePort } from './support/free-port.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './support/protos.js';
import { waitFor } from './support/wait-for.js';

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

  afterEach(async () => {
    await app?.close();
    await server?.close();
    app = server = undefined;
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
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(3000);
    // The failed pool closed itself: nothing it opened keeps the process alive.
    expect(app.get<GrpcPool>('ECHO').state).toBe('closed');
    expect(app.get<GrpcPool>('ECHO').stats().channels).toEqual([]);
  });

  it('waitForReady holds start-up until the backend comes up (even with minChannels 0)', async () => {
    const port = await freePort();
    app = await createApp({
      url: `127.0.0.1:${port}`,
      pool: { minChannels: 0 },
      startup: { waitForReady: true, timeoutMs: 8000 },
    });
    const late = new Promise<EchoServer>((resolve) =>
      setTimeout(() => resolve(startEchoServer({ port })), 300),
    );
    await app.init();
    server = await late;
    const pool = app.get<GrpcPool>('ECHO');
    expect(pool.state).toBe('ready');
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'hi' }))).message).toBe('hi');
  });

  it('without waitForReady: starts at once, logs the failed connect once, recovers when the backend comes up', async () => {
    const port = await freePort();
    const logger = new RecordingLogger();
    app = await createApp({ url: `127.0.0.1:${port}` }, logger);
    const startedAt = Date.now();
    await app.init();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    const pool = app.get<GrpcPool>('ECHO');
    await waitFor(() => pool.state === 'down', 3000, 'the pool to see the refused connect');
    // Let grpc-js try again a few times: each attempt must stay quiet.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const failures = logger.linesWith('can carry calls');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'warn', context: 'GrpcPool ECHO' });
    expect(failures[0].message).toContain(`127.0.0.1:${port}`);

    server = await startEchoServer({ port });
    await waitFor(() => pool.state === 'ready', 8000, 'the pool to reconnect');
    expect(logger.linesWith('ready again')).toHaveLength(1);
    const echo = pool.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'back' }))).message).toBe('back');
  });

  it('closing the pool during start-up ends the wait at once, without failing start-up', async () => {
    const port = await freePort();
    app = await createApp({
      url: `127.0.0.1:${port}`,
      startup: { waitForReady: true, timeoutMs: 10_000 },
    });
    const pool = app.get<GrpcPool>('ECHO');
    const states: string[] = [];
    pool.state$.subscribe((state) => states.push(state));
    const startedAt = Date.now();
    const init = app.init();
    setTimeout(() => void pool.close(), 100);
    await init;
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(pool.state).toBe('closed');
    expect(states.at(-1)).toBe('closed');
    expect(states).toContain('draining');
  });

  it('app.close() while start-up waits ends the wait; closing twice is safe', async () => {
    const port = await freePort();
    app = await createApp({
      url: `127.0.0.1:${port}`,
      startup: { waitForReady: true, timeoutMs: 10_000 },
    });
    const pool = app.get<GrpcPool>('ECHO');
    const startedAt = Date.now();
    const init = app.init();
    // Nest's HTTP app runs the shutdown hooks at once, so the pool closes and the wait ends.
    await Promise.all([app.close(), app.close()]);
    await init;
    await pool.close();
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(pool.state).toBe('closed');
    app = undefined;
  });
});
