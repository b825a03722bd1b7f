/**
 * `npm run faults`: what each fault costs, measured. Real backends in child
 * processes (killed with SIGKILL), a TCP listener that never speaks, and a
 * TCP proxy that black-holes live connections; steady load through the
 * built package. Prints calls lost and recovery times (medians of RUNS runs,
 * worst in brackets) and writes bench/faults.json.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { GrpcPool, type GrpcPoolClientOptions } from '../dist/index.js';
import type { EchoService } from '../test/support/echo-client.js';
import { killEchoProcesses, startEchoProcess } from '../test/support/echo-process.js';
import { startEchoServer } from '../test/support/echo-server.js';
import { freePort } from '../test/support/free-port.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../test/support/protos.js';
import { startSilentServer } from '../test/support/silent-server.js';
import { steadyLoad, type CallRecord } from '../test/support/steady-load.js';
import { startTcpProxy } from '../test/support/tcp-proxy.js';
import { sleep } from '../test/support/wait-for.js';
import { median } from './load.js';

const RUNS = Number(process.env.FAULT_RUNS ?? 3);

type Figures = Record<string, number>;

function openPool(url: string | string[], options: Partial<GrpcPoolClientOptions> = {}) {
  const pool = new GrpcPool({
    name: 'FAULTS',
    package: ECHO_PACKAGE,
    protoPath: ECHO_PROTO,
    url,
    ...options,
  });
  void pool.onModuleInit();
  return { pool, echo: pool.getService<EchoService>('EchoService') };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up after ${timeoutMs} ms`);
    await sleep(5);
  }
}

const firstOkAfter = (records: CallRecord[], at: number) =>
  records.find((r) => r.ok && r.startedAt >= at)?.endedAt;

/** SIGKILL the only backend under load, restart it on the same port 500 ms later. */
async function backendRestart(): Promise<Figures> {
  const port = await freePort();
  const backend = await startEchoProcess(port);
  const { pool, echo } = openPool(backend.address, { pool: { minChannels: 2 } });
  const load = steadyLoad(echo, 16);
  await until(() => load.records.filter((r) => r.ok).length > 500, 10_000);
  await backend.kill();
  const killedAt = Date.now();
  await sleep(500);
  await startEchoProcess(port);
  const restartedAt = Date.now();
  await until(() => firstOkAfter(load.records, restartedAt) !== undefined, 10_000);
  await sleep(300);
  const records = await load.stop();
  await pool.close();
  await killEchoProcesses();
  const failed = records.filter((r) => !r.ok);
  return {
    'calls in flight at the kill that failed': failed.filter((r) => r.startedAt < killedAt).length,
    'calls failed fast while it was down': failed.filter((r) => r.startedAt >= killedAt).length,
    'longest failing call ms': Math.max(0, ...failed.map((r) => r.endedAt - r.startedAt)),
    'down ms': restartedAt - killedAt,
    'recovery after restart ms': firstOkAfter(records, restartedAt)! - restartedAt,
    'failures after recovery': records.filter(
      (r) => !r.ok && r.startedAt > firstOkAfter(records, restartedAt)!,
    ).length,
  };
}

/** A backend that accepts TCP and never speaks; callers have a 500 ms deadline. */
async function silentBackend(): Promise<Figures> {
  const silent = await startSilentServer();
  const { pool, echo } = openPool(silent.address, { pool: { connectTimeoutMs: 1000 } });
  const load = steadyLoad(echo, 20, 500);
  await sleep(3000);
  const records = await load.stop();
  await pool.close();
  const connections = silent.connections;
  await silent.close();
  return {
    calls: records.length,
    'calls that outlived their 500 ms deadline by > 100 ms': records.filter(
      (r) => r.endedAt - r.startedAt > 600,
    ).length,
    'longest call ms': Math.max(...records.map((r) => r.endedAt - r.startedAt)),
    'connections opened in 3 s (connectTimeoutMs 1000)': connections,
  };
}

/** The live connection is black-holed under load; keepalive 200 ms / 200 ms. */
async function blackHole(): Promise<Figures> {
  const server = await startEchoServer({
    serverOptions: {
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 50,
    },
  });
  const proxy = await startTcpProxy(server.address);
  const { pool, echo } = openPool(proxy.address, {
    keepalive: { keepaliveTimeMs: 200, keepaliveTimeoutMs: 200, keepalivePermitWithoutCalls: 1 },
  });
  const load = steadyLoad(echo, 8, 5000);
  await until(() => load.records.filter((r) => r.ok).length > 300, 10_000);
  proxy.blackHoleLiveConnections();
  const deadAt = Date.now();
  await until(() => firstOkAfter(load.records, deadAt + 1) !== undefined, 10_000);
  await sleep(300);
  const records = await load.stop();
  await pool.close();
  await proxy.close();
  await server.close();
  const failed = records.filter((r) => !r.ok);
  return {
    'calls lost': failed.length,
    'recovery ms': firstOkAfter(records, deadAt + 1)! - deadAt,
    'longest failing call ms': Math.max(0, ...failed.map((r) => r.endedAt - r.startedAt)),
  };
}

/** One of three backends is SIGKILLed under load (12 callers). */
async function oneOfThree(): Promise<Figures> {
  const backends = await Promise.all([startEchoProcess(), startEchoProcess(), startEchoProcess()]);
  const { pool, echo } = openPool(
    backends.map((b) => b.address),
    { pool: { maxChannels: 3 } },
  );
  const load = steadyLoad(echo, 12);
  await until(() => load.records.filter((r) => r.ok).length > 1000, 10_000);
  await backends[1].kill();
  const killedAt = Date.now();
  await sleep(1500);
  const records = await load.stop();
  await pool.close();
  await killEchoProcesses();
  const failed = records.filter((r) => !r.ok);
  return {
    'calls lost': failed.length,
    'last failure after the kill ms': Math.max(0, ...failed.map((r) => r.endedAt - killedAt)),
    'calls served in the 1.5 s after': records.filter((r) => r.ok && r.startedAt > killedAt).length,
  };
}

const scenarios: [string, () => Promise<Figures>][] = [
  ['backend SIGKILLed and restarted on its port 500 ms later (16 callers)', backendRestart],
  ['backend accepts TCP and never speaks (20 callers, 500 ms deadlines)', silentBackend],
  ['live connection black-holed, keepalive 200/200 ms (8 callers)', blackHole],
  ['one of three backends SIGKILLed (12 callers)', oneOfThree],
];

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const results: Record<string, Record<string, { median: number; worst: number }>> = {};
  for (const [title, run] of scenarios) {
    const runs: Figures[] = [];
    for (let i = 1; i <= RUNS; i++) {
      process.stdout.write(`  ${title}: run ${i}/${RUNS} ...`);
      runs.push(await run());
      process.stdout.write(' done\n');
    }
    results[title] = Object.fromEntries(
      Object.keys(runs[0]).map((key) => {
        const values = runs.map((figures) => figures[key]);
        return [key, { median: median(values), worst: Math.max(...values) }];
      }),
    );
  }
  console.log(`\nFault figures: median of ${RUNS} runs [worst]`);
  for (const [title, figures] of Object.entries(results)) {
    console.log(`\n${title}`);
    for (const [key, { median: mid, worst }] of Object.entries(figures)) {
      console.log(`- ${key}: ${Math.round(mid)} [${Math.round(worst)}]`);
    }
  }
  const out = fileURLToPath(new URL('./faults.json', import.meta.url));
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
