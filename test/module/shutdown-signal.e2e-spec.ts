import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { waitFor } from '../support/wait-for.js';

const appMain = fileURLToPath(new URL('../support/shutdown-app-main.ts', import.meta.url));

/**
 * Hang guards, far above what they guard (a Nest app starting under tsx in a
 * few seconds, a shutdown in well under one): only a hang reaches them.
 */
const START_GUARD_MS = 60_000;
const EXIT_GUARD_MS = 30_000;
const TEST_GUARD_MS = START_GUARD_MS + EXIT_GUARD_MS + 30_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the echo server had seen when the process exited. */
  serverSaw: { calls: number; active: number };
}

interface AppProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<Exit>;
}

/** Every app process started, so that afterEach kills it even if its start-up failed. */
const children = new Set<ChildProcess>();

async function startApp(server: EchoServer, mode: 'serve' | 'close-self'): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', appMain], {
    env: { ...process.env, NODE_OPTIONS: '', ECHO_URL: server.address, MODE: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) =>
      resolve({ code, signal, serverSaw: { calls: server.calls, active: server.active } }),
    ),
  );
  await waitFor(
    () => /listening \d+/.test(output) || child.exitCode !== null,
    START_GUARD_MS,
    'the app to listen',
  );
  const port = Number(/listening (\d+)/.exec(output)?.[1]);
  if (!port) throw new Error(`the app did not start:\n${output}`);
  return { child, port, output: () => output, exited };
}

/** Resolves with how the process ended; rejects (a hang guard) if it is still running after `ms`. */
function exitWithin(app: AppProcess, ms: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    app.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the app was still running after ${ms} ms:\n${app.output()}`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('shutdown of a real Nest HTTP app in its own process', () => {
  let server: EchoServer | undefined;

  afterEach(async () => {
    await Promise.all(
      [...children].map(async (child) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
    children.clear();
    await server?.close();
    server = undefined;
  });

  it(
    'SIGTERM while requests run: every in-flight HTTP request still gets its pool calls answered',
    async () => {
      server = await startEchoServer();
      const app = await startApp(server, 'serve');
      const requests = Array.from({ length: 8 }, () =>
        fetch(`http://127.0.0.1:${app.port}/work?ms=100`).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { messages: string[] },
        })),
      );
      await waitFor(
        () => server!.calls === 8,
        EXIT_GUARD_MS,
        'the first pool call of each request',
      );
      app.child.kill('SIGTERM');

      const results = await Promise.all(requests);
      for (const result of results) {
        expect(result).toEqual({ status: 200, body: { messages: ['first', 'second'] } });
      }
      // Each request made its second call once the shutdown had begun: the pool was still serving.
      expect(app.output()).toContain('shutdown began (SIGTERM)');
      expect(server.calls).toBe(16);
      const ended = await exitWithin(app, EXIT_GUARD_MS);
      expect(ended.signal ?? ended.code).toBe(ended.signal === null ? 0 : 'SIGTERM');
      // It exited only after every call it made had been answered.
      expect(ended.serverSaw).toEqual({ calls: 16, active: 0 });
      expect(app.output()).not.toMatch(/ERROR/);
    },
    TEST_GUARD_MS,
  );

  it(
    'after app.close() with a call in flight, the process exits by itself (no timer, socket or channel left)',
    async () => {
      server = await startEchoServer();
      const app = await startApp(server, 'close-self');
      const ended = await exitWithin(app, EXIT_GUARD_MS);
      expect(app.output()).toContain('closed in flight');
      expect(ended).toMatchObject({ code: 0, signal: null });
      expect(ended.serverSaw.active).toBe(0);
    },
    TEST_GUARD_MS,
  );
});
