import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool, GrpcPoolClientOptions } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { fleetParts, portOf, startFleet, type FleetBackend } from '../support/dns-fleet.js';
import { poolPeaks } from '../support/pool-peaks.js';
import { startSilentServer } from '../support/silent-server.js';
import { steadyLoad } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';

// What DNS answers do to the pool's size and to where calls go: the pool
// never shows more channels than maxChannels (successors, channels still
// connecting and channels draining all count), nor more calls in flight than
// its slots, and no new call goes to an address DNS has dropped. Backends on
// 127.0.0.x behind TCP proxies (the servers count the calls they serve), one
// port, a real DNS server in the target's authority. stats() is sampled at
// every event (each attempt, each log line, each state change), not on a timer.

/** Hang guard for waits on the pool's upkeep and for each call's deadline: 10x and more. */
const HANG_GUARD_MS = 10_000;
/** Calls a backend must serve to show it carries the load. */
const SHARE = 20;

describe('DNS answers keep the pool within its caps', () => {
  let dns: TestDnsServer;
  let fleet: FleetBackend[] = [];
  let pool: GrpcPool | undefined;
  const extra: { close(): Promise<void> }[] = [];
  const peaks = poolPeaks();

  beforeAll(async () => {
    dns = await startTestDnsServer();
  });
  afterAll(async () => {
    await dns.close();
  });
  afterEach(async () => {
    peaks.stop();
    await closeTestPool(pool, ...fleetParts(fleet), ...extra);
    pool = undefined;
    fleet = [];
    extra.length = 0;
  });

  function openPool(name: string, port: number, poolOptions: GrpcPoolClientOptions['pool']): void {
    pool = createEchoPool(`dns://${dns.address}/${name}:${port}`, {
      pool: { dns: { refreshIntervalMs: 200 }, ...poolOptions },
      interceptors: [peaks.interceptor],
    });
    peaks.start(pool);
  }

  const removed = (address: string): boolean =>
    peaks.logs.some((l) => l.startsWith('dns://') && l.includes(`removed ${address}`));

  it('DNS moves .2 -> .3 (refusing) -> .4 under load: no new call reaches .2 after it is dropped, and channels stay within maxChannels', async () => {
    // .2 and .4 serve; nothing listens on .3, so its connections are refused.
    const [first] = await startFleet(1, 2);
    const [last] = await startFleet(1, 4, portOf([first]));
    fleet = [first, last];
    const port = portOf(fleet);
    dns.set('moves.test', { addresses: ['127.0.0.2'], ttl: 1 });
    // Two slots a channel: eight callers grow the pool to maxChannels on .2 first.
    openPool('moves.test', port, { maxChannels: 2, maxConcurrentCallsPerChannel: 2 });
    await pool!.onModuleInit();
    const load = steadyLoad(pool!.getService<EchoService>('EchoService'), 8, HANG_GUARD_MS);
    // .2's count when it is dropped, plus the calls the pool had placed there: the most it may ever serve.
    let mostFor2 = Infinity;
    const atDrop = (): void => {
      if (mostFor2 !== Infinity || !removed(`127.0.0.2:${port}`)) return;
      const placed = pool!
        .stats()
        .channels.filter((c) => c.target === `127.0.0.2:${port}`)
        .reduce((sum, c) => sum + c.inFlight, 0);
      mostFor2 = first.server.calls + placed;
    };
    try {
      await waitFor(
        () => pool!.stats().channels.length === 2 && first.server.calls > SHARE,
        HANG_GUARD_MS,
        'load on two channels to .2',
      );
      dns.set('moves.test', { addresses: ['127.0.0.3'], ttl: 1 });
      // The log line of the change comes just before the pool acts on it, in the same turn.
      await waitFor(
        () => {
          atDrop();
          return mostFor2 !== Infinity;
        },
        HANG_GUARD_MS,
        'the refresh that drops .2',
      );
      await waitFor(
        () => pool!.stats().channels.some((c) => c.target === `127.0.0.3:${port}`),
        HANG_GUARD_MS,
        'a channel to .3',
      );
      dns.set('moves.test', { addresses: ['127.0.0.4'], ttl: 1 });
      await waitFor(() => removed(`127.0.0.3:${port}`), HANG_GUARD_MS, 'the refresh that drops .3');
      await waitFor(() => last.server.calls > SHARE, HANG_GUARD_MS, 'load on .4');
      const on4 = last.server.calls;
      await waitFor(
        () => last.server.calls >= on4 + SHARE,
        HANG_GUARD_MS,
        `${SHARE} more calls on .4`,
      );
    } finally {
      await load.stop();
    }
    // Calls placed on .2 before the change may finish there; none placed after it may reach it.
    expect(first.server.calls).toBeLessThanOrEqual(mostFor2);
    expect(peaks.peaks.channels).toBeLessThanOrEqual(2);
    expect(peaks.peaks.inFlightOnOneChannel).toBeLessThanOrEqual(2);
    expect(pool!.stats().channels.map((c) => c.target)).toEqual(
      expect.arrayContaining([`127.0.0.4:${port}`]),
    );
    expect(pool!.stats().channels.filter((c) => c.target !== `127.0.0.4:${port}`)).toEqual([]);
  });

  it('a subset with a silent backend under load: never more than maxChannels channels nor maxChannels x slots calls, and it settles at maxChannels', async () => {
    // Three addresses, two channels: the subset moves every refresh, and .3 accepts TCP but never speaks.
    fleet = await startFleet(1, 2);
    const port = portOf(fleet);
    fleet.push(...(await startFleet(1, 4, port)));
    const silent = await startSilentServer('127.0.0.3', port);
    extra.push(silent);
    dns.set('silent.test', { addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], ttl: 1 });
    const queries = (): number => dns.queries.get('silent.test') ?? 0;
    openPool('silent.test', port, {
      maxChannels: 2,
      maxConcurrentCallsPerChannel: 4,
      connectTimeoutMs: 300,
    });
    await pool!.onModuleInit();
    // Twice the slots: calls queue, and every slot is taken while the load runs.
    const load = steadyLoad(pool!.getService<EchoService>('EchoService'), 16, HANG_GUARD_MS);
    try {
      await waitFor(
        () => silent.connections >= 1 && fleet.every((b) => b.server.calls > SHARE),
        2 * HANG_GUARD_MS,
        'the subset to pass over the silent backend and both live ones to serve',
      );
      // A few more moves of the subset under load (each refresh asks for A and AAAA).
      const asked = queries();
      await waitFor(() => queries() >= asked + 8, HANG_GUARD_MS, 'four more refreshes');
    } finally {
      await load.stop();
    }
    const asked = queries();
    await waitFor(() => queries() >= asked + 8, HANG_GUARD_MS, 'four refreshes after the load');
    peaks.sample();
    expect(peaks.peaks.channels).toBeLessThanOrEqual(2);
    expect(peaks.peaks.inFlightOnOneChannel).toBeLessThanOrEqual(4);
    expect(peaks.peaks.inFlight).toBeLessThanOrEqual(8);
    expect(pool!.stats().channels.length).toBeLessThanOrEqual(2);
    expect(pool!.stats().inFlight).toBe(0);
  });
});
