import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { waitFor } from './support/wait-for.js';

const appMain = fileURLToPath(new URL('./support/shutdown-app-main.ts', import.meta.url));

interface AppProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

async function startApp(echoUrl: string, mode: 'serve' | 'close-self'): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', appMain], {
    env: { ...process.env, NODE_OPTIONS: '', ECHO_URL: echoUrl, MODE: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  await waitFor(
    () => /listening \d+/.test(output) || child.exitCode !== null,
    20_000,
    'the app to listen',
  );
  const port = Number(/listening (\d+)/.exec(output)?.[1]);
  if (!port) throw new Error(`the app did not start:\n${output}`);
  return { child, port, output: () => output, exited };
}

/** Resolves with how the process ended, or rejects if it is still running after `ms`. */
function exitWithin(app: AppProcess, ms: number) {
  return Promise.race([
    app.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`the app was still running after ${ms} ms:\n${app.output()}`)),
        ms,
      ).unref(),
    ),
  ]);
}

describe('shutdown of a real Nest HTTP app in its own process', () => {
  let server: EchoServer;
  let app: AppProcess | undefined;

  afterEach(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    app = undefined;
    await server?.close();
  });

  it('SIGTERM while requests run: every in-flight HTTP request still gets its pool calls answered', async () => {
    server = await startEchoServer();
    app = await startApp(server.address, 'serve');
    const requests = Array.from({ length: 8 }, () =>
      fetch(`http://127.0.0.1:${app!.port}/work?ms=400`).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { messages: string[] },
      })),
    );
    await waitFor(() => server.active === 8, 5000, 'the first pool call of each request');
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');

    const results = await Promise.all(requests);
    for (const result of results) {
      expect(result).toEqual({ status: 200, body: { messages: ['first', 'second'] } });
    }
    // The second call of each request started after SIGTERM: the pool was still serving.
    expect(server.calls).toBe(16);
    const ended = await exitWithin(app, 15_000);
    expect(ended.signal ?? ended.code).toBe(ended.signal === null ? 0 : 'SIGTERM');
    expect(ended.at - signalledAt).toBeGreaterThanOrEqual(400);
    expect(app.output()).not.toMatch(/ERROR/);
  });

  it('after app.close() with a call in flight, the process exits by itself (no timer, socket or channel left)', async () => {
    server = await startEchoServer();
    app = await startApp(server.address, 'close-self');
    const ended = await exitWithin(app, 10_000);
    expect(app.output()).toContain('closed in flight');
    expect(ended).toMatchObject({ code: 0, signal: null });
  });
});
