import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../support/free-port.js';
import { descendants, isRunning } from '../support/process-tree.js';
import { sleep } from '../support/wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

const running = new Set<ChildProcess>();

/**
 * Hang guards, each far above what it guards, so that only a hang reaches
 * them: the sample's four processes start in 3-5 s on a loaded 2-core machine
 * and stop in well under 1 s; traffic flows within a few ms of the start.
 */
const START_GUARD_MS = 60_000;
const TRAFFIC_GUARD_MS = 20_000;
const STOP_GUARD_MS = 30_000;
/** `tsc` of the sample takes ~6 s on a loaded machine. */
const COMPILE_GUARD_MS = 120_000;
const TEST_GUARD_MS = START_GUARD_MS + TRAFFIC_GUARD_MS + STOP_GUARD_MS + 30_000;

/**
 * Polls every 100 ms (not waitFor's 5 ms: each look scans /proc, and the
 * sample's four processes need the CPU to start and stop).
 */
async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string) {
  for (const giveUpAt = Date.now() + ms; !(await condition()); await sleep(100)) {
    if (Date.now() > giveUpAt) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
  }
}

/** `npm start` and the processes under it, by role. */
interface Sample {
  npm: ChildProcess;
  pids: { npm: number; start: number; orders: number; gateway: number };
  ports: { gateway: number; orders: number };
  output(): string;
  npmExit: Promise<number | null>;
}

/**
 * The real `npm start` (with --ignore-scripts: the `prestart` build ran once
 * in beforeAll), in its own process group so that afterEach can kill whatever
 * a failing test leaves behind.
 */
async function startSample(): Promise<Sample> {
  const ports = { gateway: await freePort(), orders: await freePort() };
  const npm = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NO_COLOR: '1',
      PORT: String(ports.gateway),
      ORDERS_URL: `127.0.0.1:${ports.orders}`,
    },
  });
  running.add(npm);
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const npmExit = new Promise<number | null>((resolve) => npm.once('exit', resolve));

  // The node process running `script` (not a shell whose command line names it).
  const find = (script: string): number | undefined =>
    descendants(npm.pid!).find(
      (info) => /^(\S*\/)?node /.test(info.command) && info.command.includes(script),
    )?.pid;
  await until(
    async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      const health = await fetch(`http://127.0.0.1:${ports.gateway}/health`).catch(() => null);
      await health?.arrayBuffer(); // read to the end: the connection is idle again
      return health?.status === 200;
    },
    START_GUARD_MS,
    'the sample to start and GET /health to answer 200',
  );
  const pids = {
    npm: npm.pid!,
    start: find('sample/start.js')!,
    orders: find('sample/orders/main.js')!,
    gateway: find('sample/gateway/main.js')!,
  };
  for (const [role, pid] of Object.entries(pids)) {
    if (!pid) throw new Error(`no ${role} process under npm start:\n${output}`);
  }
  return { npm, pids, ports, output: () => output, npmExit };
}

/** Whether something accepts connections on the loopback `port`. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Clients that keep their keep-alive connections busy, as a load balancer or
 * another service does: each sends GET /orders/1 after GET /orders/1 until
 * its connection fails (the gateway is gone). Counts the answers by status.
 */
function keepAliveTraffic(port: number, clients = 8) {
  const statuses: Record<number, number> = {};
  let stopped = false;
  const done = Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stopped) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/orders/1`);
          await response.arrayBuffer();
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        } catch {
          return; // connection refused or closed: this client is done
        }
      }
    }),
  );
  return {
    statuses,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * Waits until none of the sample's processes runs (`withinMs` is a hang
 * guard), and says which still do if some are left.
 */
async function expectAllGone(sample: Sample, withinMs = STOP_GUARD_MS): Promise<void> {
  const alive = () => Object.entries(sample.pids).filter(([, pid]) => isRunning(pid));
  await until(() => alive().length === 0, withinMs, 'every process to exit').catch(() => {
    throw new Error(
      `still running after ${withinMs} ms: ${alive()
        .map(([role, pid]) => `${role} (${pid})`)
        .join(', ')}\n${sample.output()}`,
    );
  });
  expect(await listening(sample.ports.gateway)).toBe(false);
  expect(await listening(sample.ports.orders)).toBe(false);
}

/** The gateway logged its drain, and it drained before orders began to stop. */
function expectGatewayDrainedFirst(output: string, reason: RegExp): void {
  const stopping = new RegExp(
    `\\[Shutdown\\] Stopping \\(${reason.source}\\): no new requests; \\d+ gRPC call\\(s\\) in flight, \\d+ queued`,
  );
  expect(output).toMatch(stopping);
  const drained =
    /\[Shutdown\] Drained in \d+ ms \(\d+ gRPC call\(s\) were in flight\): HTTP server and pool ORDERS closed/;
  expect(output).toMatch(drained);
  const ordersStopping = output.search(/\[Shutdown\] Stopping \([^)]*\)\n/);
  if (ordersStopping >= 0) expect(output.search(drained)).toBeLessThan(ordersStopping);
}

describe('the sample stops as a whole, gateway first, whichever process is signalled', () => {
  beforeAll(async () => {
    // What `prestart` does after `npm run build` (which `npm test` has already run).
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.sample.json'], { cwd: root });
  }, COMPILE_GUARD_MS);

  afterEach(async () => {
    for (const npm of running) {
      try {
        process.kill(-npm.pid!, 'SIGKILL'); // the whole group: npm, start.js, orders, gateway
      } catch {
        // the group is already gone
      }
      if (npm.exitCode === null && npm.signalCode === null) {
        await new Promise((resolve) => npm.once('exit', resolve));
      }
    }
    running.clear();
  });

  it.each([
    ['SIGTERM', 'npm', /SIGTERM to start\.js/],
    ['SIGTERM', 'start', /SIGTERM to start\.js/],
    ['SIGTERM', 'gateway', /SIGTERM to gateway/],
    ['SIGTERM', 'orders', /SIGTERM to orders/],
  ] as const)(
    '%s to %s under keep-alive traffic stops every process',
    async (signal, target, reason) => {
      const sample = await startSample();
      const traffic = keepAliveTraffic(sample.ports.gateway);
      try {
        await until(() => (traffic.statuses[200] ?? 0) >= 16, TRAFFIC_GUARD_MS, 'traffic to flow');
        process.kill(sample.pids[target], signal);
        // The clients never stop sending until their connection fails: that every process
        // exits at all shows the drain does not wait for them.
        await expectAllGone(sample);
      } finally {
        await traffic.stop();
      }
      // Every request the gateway took was answered, none with the pool's draining error.
      expect(Object.keys(traffic.statuses)).toEqual(['200']);
      expectGatewayDrainedFirst(sample.output(), reason);
      // npm waits for start.js, which waits for both children: a process manager sees the stop end.
      expect(await sample.npmExit).toBe(0);
    },
    TEST_GUARD_MS,
  );

  it(
    'Ctrl-C (SIGINT to the whole process group) stops every process, gateway first',
    async () => {
      const sample = await startSample();
      process.kill(-sample.pids.npm, 'SIGINT');
      await expectAllGone(sample);
      expectGatewayDrainedFirst(sample.output(), /SIGINT to [a-z.]+/);
    },
    TEST_GUARD_MS,
  );

  it(
    'npm killed outright: start.js sees its parent gone and stops every process',
    async () => {
      const sample = await startSample();
      process.kill(sample.pids.npm, 'SIGKILL');
      await expectAllGone(sample);
      expectGatewayDrainedFirst(sample.output(), /the parent process is gone/);
    },
    TEST_GUARD_MS,
  );

  it(
    'orders killed outright: start.js stops the gateway and exits with an error',
    async () => {
      const sample = await startSample();
      process.kill(sample.pids.orders, 'SIGKILL');
      await expectAllGone(sample);
      expect(sample.output()).toContain('orders exited (SIGKILL): stopping the others');
      expectGatewayDrainedFirst(sample.output(), /orders exited/);
      expect(await sample.npmExit).toBe(1);
    },
    TEST_GUARD_MS,
  );
});
