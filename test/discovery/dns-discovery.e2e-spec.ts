import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { GrpcPool, type GrpcPoolClientOptions } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer } from '../support/echo-server.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import {
  fleetParts,
  portOf,
  recordLogs,
  startFleet,
  type FleetBackend,
} from '../support/dns-fleet.js';
import { steadyLoad } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';

// A fleet behind one DNS name, as a Kubernetes headless service gives it:
// backends on 127.0.0.2 ... 127.0.0.6, all on one port (Linux routes the
// whole 127/8 to loopback), and a real DNS server the target names in its
// authority. Each backend is an echo server behind a TCP proxy on its
// address, so the test sees the calls each one serves and the connections
// open to it.

const REFRESH_MS = 500;
/**
 * Hang guard for waits on the pool's upkeep (a refresh or two, a reconnect),
 * and the deadline of every call under load: 10x and more what they take. The
 * refresh schedule itself is pinned by fake-timer tests beside lib/discovery.
 */
const HANG_GUARD_MS = 10_000;
/** Calls each backend must serve to show it takes its share of the load. */
const SHARE = 20;

const callsOf = (fleet: FleetBackend[]): number[] => fleet.map((b) => b.server.calls);

describe('the pool follows a DNS name (real DNS server, backends on 127.0.0.2-6)', () => {
  let dns: TestDnsServer;
  let fleet: FleetBackend[] = [];
  let pool: GrpcPool | undefined;
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
    await closeTestPool(pool, ...fleetParts(fleet));
    pool = undefined;
    fleet = [];
    warnings.length = 0;
    logs.length = 0;
  });

  /** A pool on `name`, opened (its first resolution done). */
  async function openPool(
    name: string,
    overrides: Partial<GrpcPoolClientOptions> = {},
  ): Promise<GrpcPool> {
    pool = createEchoPool(`dns://${dns.address}/${name}:${portOf(fleet)}`, {
      ...overrides,
      pool: { maxChannels: 4, dns: { refreshIntervalMs: REFRESH_MS }, ...overrides.pool },
    });
    await pool.onModuleInit();
    return pool;
  }

  const serve = (name: string, backends: FleetBackend[], ttl = 1): void =>
    dns.set(name, { addresses: backends.map((b) => b.ip), ttl });

  it('opens a channel per address at start-up, each on the real address, speaking to the name', async () => {
    fleet = await startFleet(3);
    serve('start.test', fleet);
    await openPool('start.test');
    const targets = pool!.stats().channels.map((c) => c.target);
    expect(targets.sort()).toEqual(fleet.map((b) => `${b.ip}:${portOf(fleet)}`));
    const echo = pool!.getService<EchoService>('EchoService');
    for (let i = 0; i < 9; i++) await firstValueFrom(echo.echo({ message: String(i) }));
    expect(callsOf(fleet)).toEqual([3, 3, 3]);
    // :authority is the name, as when grpc-js resolves it: servers and proxies route by it.
    for (const b of fleet)
      expect([...b.server.authorities]).toEqual([`start.test:${portOf(fleet)}`]);
  });

  it('a scale-up from 2 to 4 addresses under load: the next refresh brings the new backends into the spread, and no call fails', async () => {
    fleet = await startFleet(4);
    serve('up.test', fleet.slice(0, 2));
    await openPool('up.test');
    const load = steadyLoad(pool!.getService<EchoService>('EchoService'), 8, HANG_GUARD_MS);
    try {
      await waitFor(
        () => fleet[0].server.calls > SHARE && fleet[1].server.calls > SHARE,
        HANG_GUARD_MS,
        'load on the first two',
      );
      expect(callsOf(fleet).slice(2)).toEqual([0, 0]);
      serve('up.test', fleet);
      await waitFor(
        () => logs.some((l) => l.startsWith('dns://') && l.includes('added 127.0.0.4')),
        HANG_GUARD_MS,
        'a refresh that finds the new addresses',
      );
      await waitFor(
        () => fleet[2].server.calls > 0 && fleet[3].server.calls > 0,
        HANG_GUARD_MS,
        'calls on the new backends',
      );
      // Spread over all four now: each takes a share of what follows.
      const before = callsOf(fleet);
      await waitFor(
        () => callsOf(fleet).every((calls, i) => calls - before[i] >= SHARE),
        HANG_GUARD_MS,
        `${SHARE} more calls on each of the four`,
      );
    } finally {
      await load.stop();
    }
    expect(load.records.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(pool!.stats().channels.map((c) => c.target)).size).toBe(4);
  });

  it('a scale-down from 4 to 2 under load: no call fails, and the removed backends lose their connections', async () => {
    fleet = await startFleet(4);
    serve('down.test', fleet);
    await openPool('down.test');
    const load = steadyLoad(pool!.getService<EchoService>('EchoService'), 8, HANG_GUARD_MS);
    let afterDrop: number[] = [];
    try {
      await waitFor(
        () => fleet.every((b) => b.server.calls > 10),
        HANG_GUARD_MS,
        'load on all four',
      );
      for (const b of fleet) expect(b.proxy.live).toBeGreaterThan(0);
      serve('down.test', fleet.slice(0, 2));
      // The removed addresses' channels stop taking calls and close once their calls finish.
      await waitFor(
        () => fleet[2].proxy.live === 0 && fleet[3].proxy.live === 0,
        HANG_GUARD_MS,
        'the removed backends to lose their connections',
      );
      afterDrop = callsOf(fleet);
      // The load goes on, on the two left: the removed ones see none of it.
      await waitFor(
        () => callsOf(fleet).every((calls, i) => i >= 2 || calls - afterDrop[i] >= SHARE),
        HANG_GUARD_MS,
        `${SHARE} more calls on each of the two left`,
      );
    } finally {
      await load.stop();
    }
    expect(load.records.filter((r) => !r.ok)).toEqual([]);
    expect(callsOf(fleet).slice(2)).toEqual(afterDrop.slice(2));
    const targets = pool!.stats().channels.map((c) => c.target);
    expect(targets.every((t) => t.startsWith('127.0.0.2:') || t.startsWith('127.0.0.3:'))).toBe(
      true,
    );
  });

  it('a channel that fails makes the pool ask DNS again at once, without waiting for the refresh', async () => {
    fleet = await startFleet(2);
    serve('moved.test', fleet.slice(0, 1), 3600);
    await openPool('moved.test', { pool: { dns: { refreshIntervalMs: 60_000 } } });
    const echo = pool!.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'first' }));
    const asked = dns.queries.get('moved.test')!;
    // The backend is replaced by one on another address; DNS says so.
    serve('moved.test', fleet.slice(1), 3600);
    await fleet[0].proxy.close();
    // The refresh is a minute away: a query now is the failure's doing.
    await waitFor(
      () => (dns.queries.get('moved.test') ?? 0) > asked,
      HANG_GUARD_MS,
      'the pool to ask DNS again',
    );
    await waitFor(
      () => pool!.stats().channels.some((c) => c.target.startsWith('127.0.0.3:')),
      HANG_GUARD_MS,
      'a channel on the new address',
    );
    await firstValueFrom(
      echo.echo({ message: 'moved' }, undefined, { waitForReady: true, timeoutMs: HANG_GUARD_MS }),
    );
    expect(fleet[1].server.calls).toBe(1);
  });

  it('a failing resolution keeps the last good addresses: logged once, degraded once it lasts a refresh, ready again when it resolves', async () => {
    fleet = await startFleet(2);
    serve('flaky.test', fleet);
    await openPool('flaky.test');
    const echo = pool!.getService<EchoService>('EchoService');
    await firstValueFrom(echo.echo({ message: 'before' }));
    dns.set('flaky.test', undefined);
    await waitFor(
      () => warnings.some((w) => w.startsWith('Resolving dns://')),
      HANG_GUARD_MS,
      'a failed resolution',
    );
    for (let i = 0; i < 10; i++) await firstValueFrom(echo.echo({ message: String(i) }));
    expect(callsOf(fleet).every((calls) => calls >= 5)).toBe(true);
    await waitFor(() => pool!.state === 'degraded', HANG_GUARD_MS, 'the pool to be degraded');
    const health = (await pool!.checkHealth()).ECHO;
    expect(health).toMatchObject({ status: 'degraded' });
    expect(health.reason).toMatch(/^DNS resolution has failed for \d+ s; calls go to/);
    expect(warnings.filter((w) => w.startsWith('Resolving dns://'))).toHaveLength(1);
    expect(warnings.join('\n')).toContain(`127.0.0.2:${portOf(fleet)}, 127.0.0.3:${portOf(fleet)}`);
    serve('flaky.test', fleet);
    await waitFor(() => pool!.state === 'ready', HANG_GUARD_MS, 'the pool to be ready again');
    expect(logs.some((l) => l.endsWith('works again'))).toBe(true);
  });

  it('with more addresses than maxChannels, each pool uses a subset that moves on every refresh, so every backend gets calls', async () => {
    fleet = await startFleet(5);
    serve('subset.test', fleet);
    await openPool('subset.test', { pool: { maxChannels: 2 } });
    const distinct = (): number => new Set(pool!.stats().channels.map((c) => c.target)).size;
    expect(distinct()).toBe(2);
    const load = steadyLoad(pool!.getService<EchoService>('EchoService'), 4, HANG_GUARD_MS);
    try {
      // Five addresses, two at a time, one step per refresh: all five after a few moves.
      await waitFor(
        () => fleet.every((b) => b.server.calls > 0),
        2 * HANG_GUARD_MS,
        'every backend to get calls',
      );
    } finally {
      await load.stop();
    }
    expect(load.records.filter((r) => !r.ok)).toEqual([]);
    // Never more than maxChannels: at the cap, a moving channel retires before its successor opens.
    expect(pool!.stats().channels.length).toBeLessThanOrEqual(2);
  });

  it('TLS to a resolved address checks the name in the certificate', async () => {
    const { makeCertificates } = await import('../support/certificates.js');
    const certs = makeCertificates(['DNS:secure.test']);
    try {
      const server = await startEchoServer({
        tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) },
      });
      const proxy = await startTcpProxy(server.address, { host: '127.0.0.2' });
      fleet = [{ ip: '127.0.0.2', server, proxy }];
      serve('secure.test', fleet);
      await openPool('secure.test', { tls: { ca: certs.read(certs.caCert) } });
      expect(pool!.stats().channels[0].target).toBe(proxy.address);
      const echo = pool!.getService<EchoService>('EchoService');
      expect(await firstValueFrom(echo.echo({ message: 'tls' }))).toMatchObject({
        message: 'tls',
      });
    } finally {
      certs.remove();
    }
  });

  it('pool.dns: false leaves the name to grpc-js, as before', async () => {
    fleet = await startFleet(1);
    pool = createEchoPool(`dns:///localhost:${portOf(fleet)}`, { pool: { dns: false } });
    expect(pool.stats().channels.map((c) => c.target)).toEqual([
      `dns:///localhost:${portOf(fleet)}`,
    ]);
  });

  it('pool.dns: false with a DNS server in the url fails start-up: grpc-js would ignore that server', () => {
    const create = () =>
      new GrpcPool({
        name: 'ECHO',
        package: 'test.v1',
        protoPath: 'test/fixtures/echo.proto',
        url: ['127.0.0.1:1', 'dns://127.0.0.1:53/orders.test:50051'],
        pool: { dns: false },
      });
    expect(create).toThrow(
      'Invalid options for gRPC pool "ECHO": pool.dns must not be false with url "dns://127.0.0.1:53/orders.test:50051"',
    );
  });

  it.each([
    [{ refreshIntervalMs: 50 }, 'pool.dns.refreshIntervalMs', 'must be an integer >= 100'],
    [{ refreshIntervalMs: 2 ** 31 }, 'pool.dns.refreshIntervalMs', 'must be <= 2147483647'],
    [{ refreshIntervalMs: '1000' }, 'pool.dns.refreshIntervalMs', 'must be an integer'],
    [{ refresh: 1000 }, 'pool.dns.refresh', 'is not a known option'],
    [true, 'pool.dns', 'must be an object or false (got true)'],
  ])('pool.dns %j fails start-up naming the field', (dnsOption, field, rule) => {
    const create = () =>
      new GrpcPool({
        name: 'ECHO',
        package: 'test.v1',
        protoPath: 'test/fixtures/echo.proto',
        url: 'dns:///orders.test:50051',
        pool: { dns: dnsOption as never },
      });
    expect(create).toThrow(field);
    expect(create).toThrow(rule);
    expect(create).toThrow('ECHO');
  });
});
