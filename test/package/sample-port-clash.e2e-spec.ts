import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../support/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

/** Hang guards only: `tsc` of the sample takes ~6 s on a loaded machine, a start that fails ~3 s. */
const COMPILE_GUARD_MS = 120_000;
const TEST_GUARD_MS = 90_000;

const running = new Set<ChildProcess>();
const held = new Set<Server>();

/** Listens on a free loopback port, as another program that got there first would. */
async function holdPort(): Promise<number> {
  const server = createServer();
  held.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The sample's start.js (what `npm start` runs) until it exits: its exit code and all it printed. */
async function runSample(env: { PORT: number; ORDERS_URL: string }) {
  const child = spawn(process.execPath, ['dist-sample/sample/start.js'], {
    cwd: root,
    // Its own process group, so that afterEach can kill what a failing test leaves behind.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NO_COLOR: '1',
      PORT: String(env.PORT),
      ORDERS_URL: env.ORDERS_URL,
    },
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  running.delete(child);
  return { code, output };
}

describe('the sample, when a port it binds is taken', () => {
  beforeAll(async () => {
    // dist/ is built by `npm test`'s pretest; the sample is compiled against it here.
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.sample.json'], { cwd: root });
  }, COMPILE_GUARD_MS);

  afterEach(async () => {
    for (const child of running) {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(-child.pid!, 'SIGKILL');
    }
    running.clear();
    await Promise.all([...held].map((server) => new Promise((resolve) => server.close(resolve))));
    held.clear();
  });

  it(
    'exits with code 1 and names ORDERS_URL when the orders address is in use',
    async () => {
      const ordersPort = await holdPort();
      const { code, output } = await runSample({
        PORT: await freePort(),
        ORDERS_URL: `127.0.0.1:${ordersPort}`,
      });

      expect(code).toBe(1);
      expect(output).toContain(
        `orders cannot listen on 127.0.0.1:${ordersPort}: another process is using it (EADDRINUSE). ` +
          'Stop that process, or set ORDERS_URL to move orders, e.g. ORDERS_URL=127.0.0.1:50052 npm start',
      );
      // The message replaces the stack trace, and the gateway is never started.
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain('The sample is running');
    },
    TEST_GUARD_MS,
  );

  it(
    'exits with code 1 and names PORT when the gateway port is in use, after stopping orders',
    async () => {
      const gatewayPort = await holdPort();
      const { code, output } = await runSample({
        PORT: gatewayPort,
        ORDERS_URL: `127.0.0.1:${await freePort()}`,
      });

      expect(code).toBe(1);
      expect(output).toContain(
        `the gateway cannot listen on 127.0.0.1:${gatewayPort}: another process is using it (EADDRINUSE). ` +
          `Stop that process, or set PORT to move the gateway, e.g. PORT=${gatewayPort + 1} npm start`,
      );
      expect(output).not.toMatch(/^\s+at /m);
      // start.js exits only once orders, which had started, has exited too.
      expect(output).toContain('Stopping (gateway exited)');
    },
    TEST_GUARD_MS,
  );
});
