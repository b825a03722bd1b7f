/**
 * How evenly a fleet of pools spreads calls over backends behind one DNS
 * name (`npm run bench:fleet`): 50 backends on 127.0.0.2-51 (one process),
 * 20 pools in 4 client processes, each pool with 2 callers and
 * `maxChannels` 4, following the name through a real DNS server with a
 * 5 s refresh. The name starts with 25 addresses and scales up to 50.
 * Every refresh interval, each backend's calls and connections are
 * sampled; the table gives max/min calls per backend over the backends in
 * DNS. A second run gives every pool `maxChannels` 50 (a channel to every
 * backend, as grpc-js's round_robin would) for comparison.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestDnsServer } from '../test/support/dns-server.js';

const BACKENDS = 50;
const START_WITH = 25;
const CLIENT_PROCESSES = 4;
const POOLS_PER_PROCESS = 5;
const REFRESH_MS = Number(process.env.FLEET_REFRESH_MS ?? 5000);
const WINDOWS_BEFORE = 4;
const WINDOWS_AFTER = 12;
const VARIANTS = (process.env.FLEET_MAX_CHANNELS ?? '4,50').split(',').map(Number);

interface Sample {
  calls: number;
  connections: number;
}

function start(script: string, env: Record<string, string>): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
  });
}

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not answer in 30 s')), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ratio(values: number[]): string {
  const min = Math.min(...values);
  return min === 0 ? 'inf' : (Math.max(...values) / min).toFixed(2);
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function row(label: string, samples: Sample[]): string {
  const calls = samples.map((s) => s.calls);
  const connections = samples.map((s) => s.connections);
  return [
    label.padEnd(26),
    String(samples.length).padStart(8),
    String(calls.reduce((a, b) => a + b, 0)).padStart(8),
    String(Math.min(...calls)).padStart(6),
    String(Math.max(...calls)).padStart(6),
    ratio(calls).padStart(8),
    String(calls.filter((c) => c === 0).length).padStart(6),
    `${Math.min(...connections)}/${medianOf(connections)}/${Math.max(...connections)}`.padStart(10),
  ].join(' ');
}

async function runVariant(maxChannels: number): Promise<void> {
  const dns = await startTestDnsServer();
  const addresses = Array.from({ length: BACKENDS }, (_, i) => `127.0.0.${i + 2}`);
  dns.set('fleet.bench', { addresses: addresses.slice(0, START_WITH), ttl: 60 });
  const backends = start('./fleet-backends.ts', { FLEET_BACKENDS: String(BACKENDS) });
  const { port } = await next<{ port: number }>(backends);
  const clients = Array.from({ length: CLIENT_PROCESSES }, () =>
    start('./fleet-clients.ts', {
      FLEET_URL: `dns://${dns.address}/fleet.bench:${port}`,
      FLEET_POOLS: String(POOLS_PER_PROCESS),
      FLEET_MAX_CHANNELS: String(maxChannels),
      FLEET_REFRESH_MS: String(REFRESH_MS),
    }),
  );
  await Promise.all(clients.map((client) => next(client)));
  const sample = async (): Promise<Sample[]> => {
    backends.send('sample');
    return next<Sample[]>(backends);
  };
  console.log(
    `\nmaxChannels ${maxChannels}: ${CLIENT_PROCESSES * POOLS_PER_PROCESS} pools, refresh ${REFRESH_MS} ms, windows of one refresh`,
  );
  console.log(
    'window                     backends    calls    min    max  max/min  zero  conn min/med/max',
  );
  await sleep(1000);
  await sample();
  const after: Sample[][] = [];
  for (let w = 1; w <= WINDOWS_BEFORE + WINDOWS_AFTER; w++) {
    if (w === WINDOWS_BEFORE + 1) dns.set('fleet.bench', { addresses, ttl: 60 });
    await sleep(REFRESH_MS);
    const inDns = w <= WINDOWS_BEFORE ? START_WITH : BACKENDS;
    const samples = (await sample()).slice(0, inDns);
    if (w > WINDOWS_BEFORE) after.push(samples);
    const label =
      w <= WINDOWS_BEFORE
        ? `${w}: 25 in DNS`
        : `${w}: +${((w - WINDOWS_BEFORE) * REFRESH_MS) / 1000} s after 25->50`;
    console.log(row(label, samples));
  }
  const total = (windows: Sample[][]): Sample[] =>
    windows[0].map((_, i) => ({
      calls: windows.reduce((sum, w) => sum + w[i].calls, 0),
      connections: Math.max(...windows.map((w) => w[i].connections)),
    }));
  console.log(row('minute after scale-up', total(after)));
  console.log(row('2nd half of that minute', total(after.slice(after.length / 2))));
  const reports = await Promise.all(
    clients.map((client) => {
      client.send('report');
      return next<{ ok: number; failed: number }>(client);
    }),
  );
  const failed = reports.reduce((sum, r) => sum + r.failed, 0);
  const ok = reports.reduce((sum, r) => sum + r.ok, 0);
  console.log(`calls: ${ok} ok, ${failed} failed`);
  for (const child of [...clients, backends]) child.disconnect();
  await Promise.all(
    [...clients, backends].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  await dns.close();
}

async function main(): Promise<void> {
  for (const maxChannels of VARIANTS) await runVariant(maxChannels);
}

void main();
