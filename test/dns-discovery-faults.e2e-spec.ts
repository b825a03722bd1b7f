import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool, GrpcPoolClientOptions } from '../lib/index.js';
import { closeTestPool } from './support/close-test-pool.js';
import { createEchoPool, type EchoService } from './support/echo-client.js';
import { startTestDnsServer, type TestDnsServer } from './support/dns-server.js';
import {
  fleetParts,
  portOf,
  recordLogs,
  startFleet,
  type FleetBackend,
} from './support/dns-fleet.js';
import { freePort } from './support/free-port.js';
import { sleep, waitFor } from './support/wait-for.js';

// Faults around a followed DNS name: backends that vanish in awkward
// states, calls that end on addresses already gone. Backends on 127.0.0.x
// behind TCP proxies, one port, a real DNS server in the target's authority.

/** A TCP listener on `ip:port` that accepts connections and never speaks HTTP/2. */
async function startSilent(ip: string, port: number) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, ip, resolve));
  return {
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a followed DNS name: faults', () => {
  let dns: TestDnsServer;
  let fleet: FleetBackend[] = [];
  let pool: GrpcPool | undefined;
  const extra: { close(): Promise<void> }[] = [];
  const { logs, warnings, record, stop } = recordLogs();

  beforeAll(async () => {
    dns = await startTestDnsServer();
    record();
  });
  afterAll(async () => {
    stop();
    await dns.close();
  });
  afterEach(async () => {
    await closeTestPool(pool, ...fleetParts(fleet), ...extra);
    pool = undefined;
    fleet = [];
    extra.length = 0;
    warnings.length = 0;
    logs.length = 0;
  });

  async function openPool(
    name: string,
    port: number,
    overrides: Partial<GrpcPoolClientOptions> = {},
  ): Promise<GrpcPool> {
    pool = createEchoPool(`dns://${dns.address}/${name}:${port}`, {
      ...overrides,
      pool: { maxChannels: 4, dns: { refreshIntervalMs: 300 }, ...overrides.pool },
    });
    await pool.onModuleInit();
    return pool;
  }

  const targets = (): string[] => pool!.stats().channels.map((c) => c.target);

  it('a channel stuck CONNECTING to an address DNS dropped is closed, not replaced by another to that address', async () => {
    fleet = await startFleet(1, 3);
    const port = portOf(fleet);
    const silent = await startSilent('127.0.0.2', port);
    extra.push(silent);
    dns.set('stuck.test', { addresses: ['127.0.0.2'], ttl: 1 });
    await openPool('stuck.test', port, { pool: { connectTimeoutMs: 500 } });
    const echo = pool!.getService<EchoService>('EchoService');
    // A call waiting inside the channel keeps it open once it is moved away.
    const waiting = firstValueFrom(
      echo.echo({ message: 'w' }, undefined, { waitForReady: true, timeoutMs: 5000 }),
    );
    await waitFor(() => pool!.stats().inFlight === 1);
    dns.set('stuck.test', { addresses: ['127.0.0.3'], ttl: 1 });
    await expect(waiting).resolves.toMatchObject({ message: 'w' });
    // Several connect timeouts later, nothing points at the dropped address any more.
    await sleep(2000);
    expect(targets()).toEqual([`127.0.0.3:${port}`]);
    expect(silent.connections).toBe(1);
  });
  it('calls that fail on an address DNS has just dropped do not eject it: no phantom ejection eats the cap of the backends in use', async () => {
    fleet = await startFleet(5);
    const port = portOf(fleet);
    dns.set('gone.test', { addresses: fleet.map((b) => b.ip), ttl: 1 });
    await openPool('gone.test', port, {
      pool: {
        maxChannels: 8,
        outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 60_000 },
      },
    });
    await waitFor(() => pool!.stats().channels.filter((c) => c.state === 'READY').length === 5);
    const echo = pool!.getService<EchoService>('EchoService');
    const calls = Array.from({ length: 20 }, () =>
      firstValueFrom(echo.slow({ delayMs: 3000 })).then(
        () => 'ok',
        (error: { code?: number }) => error.code,
      ),
    );
    await waitFor(() => pool!.stats().channels.every((c) => c.inFlight === 4));
    // The pod leaves DNS, then goes away with its calls in flight.
    dns.set('gone.test', { addresses: fleet.filter((_, i) => i !== 1).map((b) => b.ip), ttl: 1 });
    await waitFor(() => logs.some((l) => l.includes(`removed 127.0.0.3:${port}`)), 3000);
    await fleet[1].proxy.close();
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([14, 14, 14, 14]);
    expect(warnings.filter((w) => w.includes('ejected'))).toEqual([]);
    expect(pool!.state).toBe('ready');
  });
  it('a DNS server that never answers AAAA: the A records are used, within a second', async () => {
    fleet = await startFleet(2);
    dns.set('noaaaa.test', { addresses: fleet.map((b) => b.ip), ttl: 30 });
    dns.drop('AAAA');
    try {
      const startedAt = Date.now();
      await openPool('noaaaa.test', portOf(fleet));
      expect(Date.now() - startedAt).toBeLessThan(1000);
      expect(targets().sort()).toEqual(fleet.map((b) => `${b.ip}:${portOf(fleet)}`));
      expect(warnings.filter((w) => w.startsWith('Resolving'))).toEqual([]);
    } finally {
      dns.drop(undefined);
    }
  });

  it('a DNS server that never answers: start-up waits no longer than startup.timeoutMs, and close() leaves no query behind', async () => {
    fleet = await startFleet(1);
    dns.set('blackhole.test', { addresses: [fleet[0].ip], ttl: 30 });
    dns.drop('all');
    try {
      const startedAt = Date.now();
      const opening = openPool('blackhole.test', portOf(fleet), {
        startup: { waitForReady: true, timeoutMs: 1000 },
      });
      await expect(opening).rejects.toThrow('startup.timeoutMs 1000');
      expect(Date.now() - startedAt).toBeLessThan(2000);
      // A second pool closed during its first resolution: start-up ends with it, and no DNS query is left pending.
      const before = process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
      const other = createEchoPool(`dns://${dns.address}/blackhole.test:${portOf(fleet)}`, {
        pool: { dns: { refreshIntervalMs: 300 } },
      });
      const init = other.onModuleInit();
      await sleep(100);
      const closedAt = Date.now();
      await other.close();
      await init;
      expect(Date.now() - closedAt).toBeLessThan(500);
      await sleep(50);
      expect(process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length).toBeLessThan(
        before + 1,
      );
    } finally {
      dns.drop(undefined);
    }
  });
  it('a dead backend in the subset makes way for a live one: its failures eject it, and the subset passes over it', async () => {
    fleet = await startFleet(3);
    dns.set('subset-dead.test', { addresses: fleet.map((b) => b.ip), ttl: 3600 });
    // A refresh too slow to rescue the pool: only ejection can.
    await openPool('subset-dead.test', portOf(fleet), {
      pool: { maxChannels: 1, dns: { refreshIntervalMs: 600_000 } },
    });
    const [inUse] = targets();
    const dead = fleet.find((b) => inUse.startsWith(`${b.ip}:`))!;
    await dead.proxy.close();
    const echo = pool!.getService<EchoService>('EchoService');
    let failed = 0;
    const startedAt = Date.now();
    for (;;) {
      try {
        await firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: 500 }));
        break;
      } catch {
        failed++;
        expect(Date.now() - startedAt).toBeLessThan(10_000);
        await sleep(20);
      }
    }
    // Five failures in a row eject it (retries included), then the channel moves on.
    expect(failed).toBeLessThanOrEqual(5);
    expect(targets().some((t) => t === inUse)).toBe(false);
    expect(warnings.some((w) => w.startsWith(`Backend ${inUse} ejected`))).toBe(true);
    const live = fleet.filter((b) => b !== dead).reduce((sum, b) => sum + b.server.calls, 0);
    expect(live).toBeGreaterThan(0);
  });

  it('in a subset, a backend that refuses connections leaves it though no call was placed on it', async () => {
    fleet = await startFleet(4);
    dns.set('refused.test', { addresses: fleet.map((b) => b.ip), ttl: 3600 });
    await openPool('refused.test', portOf(fleet), {
      pool: { maxChannels: 2, dns: { refreshIntervalMs: 600_000 } },
    });
    await waitFor(() => pool!.stats().channels.every((c) => c.state === 'READY'));
    const inUse = targets();
    const dead = fleet.find((b) => inUse[1].startsWith(`${b.ip}:`))!;
    await dead.proxy.close();
    // Calls would only ever go to the live channel: the refused one is ejected on its failed connection.
    await waitFor(
      () =>
        warnings.some(
          (w) =>
            w ===
            `Backend ${inUse[1]} ejected: its connection failed: no calls for 30000 ms, then one probe call`,
        ),
      5000,
      'the refused backend to be ejected',
    );
    await waitFor(
      () =>
        pool!.stats().channels.filter((c) => c.state === 'READY' && c.target !== inUse[1])
          .length === 2,
      5000,
      'two live channels',
    );
    const echo = pool!.getService<EchoService>('EchoService');
    for (let i = 0; i < 4; i++) await firstValueFrom(echo.echo({ message: String(i) }));
    expect(dead.server.calls).toBe(0);
  });
  it('every backend of a subset down: the channels stay within maxChannels while the subset moves on, and calls recover when they return', async () => {
    // Ten addresses, nothing listening on any: every connection is refused.
    const port = await freePort();
    const ips = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 40}`);
    dns.set('outage.test', { addresses: ips, ttl: 1 });
    await openPool('outage.test', port, {
      pool: {
        minChannels: 1,
        maxChannels: 2,
        dns: { refreshIntervalMs: 200 },
        outlierDetection: { baseEjectionMs: 300, maxEjectionMs: 1000 },
      },
    });
    const echo = pool!.getService<EchoService>('EchoService');
    let most = 0;
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      await Promise.allSettled(
        [1, 2].map(() =>
          firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: 300 })),
        ),
      );
      most = Math.max(most, pool!.stats().channels.length);
      await sleep(50);
    }
    // Before: each move of the subset left the channel it replaced open (waiting for a
    // successor that never became READY): some twenty channels after 4 s.
    expect(most).toBeLessThanOrEqual(2);
    fleet = await startFleet(10, 40, port);
    await waitFor(async () => {
      try {
        await firstValueFrom(echo.echo({ message: 'back' }, undefined, { timeoutMs: 300 }));
        return true;
      } catch {
        return false;
      }
    }, 5000);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        firstValueFrom(echo.echo({ message: 'ok' }, undefined, { timeoutMs: 2000 })),
      ),
    );
    expect(replies).toHaveLength(20);
    expect(pool!.stats().channels.length).toBeLessThanOrEqual(2);
  });
});
