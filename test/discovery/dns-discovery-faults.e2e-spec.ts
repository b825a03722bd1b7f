import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool, GrpcPoolClientOptions } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import {
  fleetParts,
  portOf,
  recordLogs,
  startFleet,
  type FleetBackend,
} from '../support/dns-fleet.js';
import { freePort } from '../support/free-port.js';
import { settlesWithin } from '../support/hang-guard.js';
import { startSilentServer } from '../support/silent-server.js';
import { waitFor } from '../support/wait-for.js';

// Faults around a followed DNS name: backends that vanish in awkward
// states, calls that end on addresses already gone. Backends on 127.0.0.x
// behind TCP proxies, one port, a real DNS server in the target's authority.
// Every wait is for an event (a log line, a channel's target, a call's end);
// the bounds are hang guards. Refresh, TTL and ejection timing is pinned by
// the fake-timer unit tests beside lib/discovery and lib/pool.

/** Hang guard for waits on the pool's own upkeep (a refresh, an ejection): 10x and more. */
const HANG_GUARD_MS = 10_000;

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
    const silent = await startSilentServer('127.0.0.2', port);
    extra.push(silent);
    dns.set('stuck.test', { addresses: ['127.0.0.2'], ttl: 1 });
    await openPool('stuck.test', port, { pool: { connectTimeoutMs: 500 } });
    const echo = pool!.getService<EchoService>('EchoService');
    // A call waiting inside the channel keeps it open once it is moved away.
    const waiting = firstValueFrom(
      echo.echo({ message: 'w' }, undefined, { waitForReady: true, timeoutMs: HANG_GUARD_MS }),
    );
    await waitFor(() => pool!.stats().inFlight === 1, HANG_GUARD_MS, 'the call to wait inside');
    dns.set('stuck.test', { addresses: ['127.0.0.3'], ttl: 1 });
    await expect(waiting).resolves.toMatchObject({ message: 'w' });
    expect(fleet[0].server.calls).toBe(1);
    // A stuck channel replaced in place would keep 127.0.0.2 among the targets (a new
    // one after every connect timeout): only a close without a successor gets here.
    await waitFor(
      () => targets().join() === `127.0.0.3:${port}`,
      HANG_GUARD_MS,
      'the stuck channel to be closed',
    );
    // Once closed it is out of the pool, so nothing can open another connection to it.
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
    await waitFor(
      () => pool!.stats().channels.filter((c) => c.state === 'READY').length === 5,
      HANG_GUARD_MS,
      'five READY channels',
    );
    // The calls end when the test says so, not on a clock: all are still running
    // when the pod goes, however long the refresh takes under load.
    const releases = fleet.map((b) => b.server.holdSlowCalls());
    const echo = pool!.getService<EchoService>('EchoService');
    const calls = Array.from({ length: 20 }, () =>
      firstValueFrom(echo.slow({ delayMs: 0 })).then(
        () => 'ok',
        (error: { code?: number }) => error.code,
      ),
    );
    try {
      await waitFor(
        () => fleet.every((b) => b.server.active === 4),
        HANG_GUARD_MS,
        'four calls running on each backend',
      );
      // The pod leaves DNS, then goes away with its calls in flight.
      dns.set('gone.test', {
        addresses: fleet.filter((_, i) => i !== 1).map((b) => b.ip),
        ttl: 1,
      });
      await waitFor(
        () => logs.some((l) => l.includes(`removed 127.0.0.3:${port}`)),
        HANG_GUARD_MS,
        'the refresh that drops 127.0.0.3',
      );
      await fleet[1].proxy.close();
      await waitFor(() => pool!.stats().inFlight === 16, HANG_GUARD_MS, 'its four calls to fail');
    } finally {
      for (const release of releases) release();
    }
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([14, 14, 14, 14]);
    expect(warnings.filter((w) => w.includes('ejected'))).toEqual([]);
    expect(pool!.state).toBe('ready');
  });
  it('a DNS server that never answers AAAA: start-up opens on the A records, with no resolution failure', async () => {
    fleet = await startFleet(2);
    dns.set('noaaaa.test', { addresses: fleet.map((b) => b.ip), ttl: 30 });
    dns.drop('AAAA');
    try {
      // That the A records come without waiting for the AAAA query's own bound is
      // shown in dns-resolution.e2e-spec.ts, where that bound is a minute.
      await openPool('noaaaa.test', portOf(fleet));
      expect(targets().sort()).toEqual(fleet.map((b) => `${b.ip}:${portOf(fleet)}`));
      expect(warnings.filter((w) => w.startsWith('Resolving'))).toEqual([]);
    } finally {
      dns.drop(undefined);
    }
  });

  it('a DNS server that never answers: start-up gives up at startup.timeoutMs, not at the query bound, and close() ends a first resolution', async () => {
    fleet = await startFleet(1);
    dns.set('blackhole.test', { addresses: [fleet[0].ip], ttl: 30 });
    dns.set('blackhole-closed.test', { addresses: [fleet[0].ip], ttl: 30 });
    dns.drop('all');
    try {
      const opening = openPool('blackhole.test', portOf(fleet), {
        startup: { waitForReady: true, timeoutMs: 1000 },
      });
      await expect(
        settlesWithin(opening, HANG_GUARD_MS, 'start-up against a silent DNS server'),
      ).rejects.toThrow('startup.timeoutMs 1000');
      // The order of events, not a stopwatch: had start-up waited for the query's own
      // bound (5 s), the failed resolution would have been logged before it gave up.
      expect(warnings.filter((w) => w.startsWith('Resolving'))).toEqual([]);

      // A second pool closed during its first resolution: start-up ends with it.
      const asked = dns.queries.get('blackhole-closed.test') ?? 0;
      const other = createEchoPool(`dns://${dns.address}/blackhole-closed.test:${portOf(fleet)}`, {
        pool: { dns: { refreshIntervalMs: 300 } },
      });
      extra.push(other);
      const init = other.onModuleInit();
      await waitFor(
        () => (dns.queries.get('blackhole-closed.test') ?? 0) > asked,
        HANG_GUARD_MS,
        'the DNS server to see the first query',
      );
      await other.close();
      // close() aborts the query: init settles at once. A query left pending would hold
      // it until the query's 5 s bound; the guard, far above a close, stays under that.
      await settlesWithin(init, 2500, 'start-up of a pool closed during its first resolution');
      expect(other.state).toBe('closed');
      expect(other.stats().channels).toEqual([]);
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
    // Counted, not timed: a call fails at once on the refused connection (the deadline
    // is only a hang guard), and one more than the ejection threshold must succeed.
    let failed = 0;
    let succeeded = false;
    for (let attempt = 0; attempt <= 5 && !succeeded; attempt++) {
      try {
        await firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: HANG_GUARD_MS }));
        succeeded = true;
      } catch {
        failed++;
      }
    }
    // Five failures in a row eject it (retries included), then the channel moves on.
    expect(succeeded).toBe(true);
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
    await waitFor(
      () => pool!.stats().channels.every((c) => c.state === 'READY'),
      HANG_GUARD_MS,
      'the subset READY',
    );
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
      HANG_GUARD_MS,
      'the refused backend to be ejected',
    );
    await waitFor(
      () =>
        pool!.stats().channels.filter((c) => c.state === 'READY' && c.target !== inUse[1])
          .length === 2,
      HANG_GUARD_MS,
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
    // Sampled once per refresh (the DNS server sees its A and AAAA queries), with calls
    // placed in between, through ten refreshes and until the subset has moved past
    // maxChannels addresses: enough moves for a leak to show (the old code left one
    // channel open per move). Outlier detection ejects at most half of the ten, and
    // the subset passes over those, so it moves among the other half.
    const queries = (): number => dns.queries.get('outage.test') ?? 0;
    const seen = new Set<string>();
    let most = 0;
    let refreshes = 0;
    let sampling = true;
    const moveOn = async (): Promise<void> => {
      while (sampling && (refreshes < 10 || seen.size <= 2)) {
        const asked = queries();
        await waitFor(() => queries() >= asked + 2, HANG_GUARD_MS, 'the next refresh');
        refreshes++;
        await Promise.allSettled(
          [1, 2].map(() =>
            firstValueFrom(echo.echo({ message: 'x' }, undefined, { timeoutMs: HANG_GUARD_MS })),
          ),
        );
        for (const { target } of pool!.stats().channels) seen.add(target);
        most = Math.max(most, pool!.stats().channels.length);
      }
    };
    try {
      await settlesWithin(moveOn(), 2 * HANG_GUARD_MS, 'ten refreshes of a moving subset');
    } finally {
      sampling = false;
    }
    // Before: each move of the subset left the channel it replaced open (waiting for a
    // successor that never became READY): some twenty channels after 4 s.
    expect(most).toBeLessThanOrEqual(2);
    expect(seen.size).toBeGreaterThan(2);
    fleet = await startFleet(10, 40, port);
    await waitFor(
      async () => {
        try {
          await firstValueFrom(echo.echo({ message: 'back' }, undefined, { timeoutMs: 1000 }));
          return true;
        } catch {
          return false;
        }
      },
      HANG_GUARD_MS,
      'a call to succeed once the backends are back',
    );
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        firstValueFrom(echo.echo({ message: 'ok' }, undefined, { timeoutMs: HANG_GUARD_MS })),
      ),
    );
    expect(replies).toHaveLength(20);
    expect(pool!.stats().channels.length).toBeLessThanOrEqual(2);
  });
});
