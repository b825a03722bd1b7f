import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSocket } from 'node:dgram';
import { resolveDnsTarget } from '../../lib/discovery/dns-resolution.js';
import { dnsTarget } from '../../lib/options/dns-target.js';
import { startTestDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { settlesWithin } from '../support/hang-guard.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A query bound far above any answer's round trip (c-ares caps it near 5 s):
 * a query it ends fails as ETIMEOUT, which a test tells apart by its code.
 */
const LONG_BOUND_MS = 60_000;
/** Hang guard for a resolution on 127.0.0.1: 10x and more what it takes. */
const HANG_GUARD_MS = 10_000;

describe('dnsTarget: which targets the pool resolves through DNS', () => {
  it.each([
    [
      'dns:orders.internal:50051',
      {
        host: 'orders.internal',
        port: 50051,
        authority: 'orders.internal:50051',
        server: undefined,
      },
    ],
    [
      'dns:///orders.internal',
      { host: 'orders.internal', port: 443, authority: 'orders.internal', server: undefined },
    ],
    [
      'dns://10.0.0.2/orders:50051',
      { host: 'orders', port: 50051, authority: 'orders:50051', server: '10.0.0.2:53' },
    ],
    [
      'dns://127.0.0.1:5353/orders:1',
      { host: 'orders', port: 1, authority: 'orders:1', server: '127.0.0.1:5353' },
    ],
    [
      'dns://[::1]:5353/orders:1',
      { host: 'orders', port: 1, authority: 'orders:1', server: '[::1]:5353' },
    ],
    [
      'orders.default.svc.cluster.local:50051',
      {
        host: 'orders.default.svc.cluster.local',
        port: 50051,
        authority: 'orders.default.svc.cluster.local:50051',
        server: undefined,
      },
    ],
  ])('%s', (target, expected) => {
    expect(dnsTarget(target)).toEqual(expected);
  });

  it.each([
    '127.0.0.1:50051',
    '[::1]:50051',
    'ipv4:10.0.0.1:1,10.0.0.2:1',
    'unix:/tmp/s.sock',
    'xds:///orders',
    'dns:10.0.0.1:50051',
  ])('%s is not a DNS name', (target) => {
    expect(dnsTarget(target)).toBeUndefined();
  });
});

describe('resolveDnsTarget: against a real DNS server on 127.0.0.1', () => {
  let dns: TestDnsServer;

  beforeAll(async () => {
    dns = await startTestDnsServer();
  });
  afterAll(() => dns.close());

  const target = (name: string) => dnsTarget(`dns://${dns.address}/${name}:50051`)!;

  it('asks the server in the authority: every A and AAAA record, sorted, with the shortest TTL', async () => {
    dns.set('orders.test', { addresses: ['127.0.0.3', '127.0.0.2', '::1'], ttl: 7 });
    expect(await resolveDnsTarget(target('orders.test'), 2000)).toEqual({
      addresses: ['127.0.0.2:50051', '127.0.0.3:50051', '[::1]:50051'],
      ttlMs: 7000,
    });
    expect(dns.queries.get('orders.test')).toBeGreaterThanOrEqual(2);
  });

  it('sees the records change from one resolution to the next (a scale-up, then a scale-down)', async () => {
    dns.set('fleet.test', { addresses: ['127.0.0.2', '127.0.0.3'] });
    expect((await resolveDnsTarget(target('fleet.test'), 2000)).addresses).toHaveLength(2);
    dns.set('fleet.test', { addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'] });
    expect((await resolveDnsTarget(target('fleet.test'), 2000)).addresses).toEqual([
      '127.0.0.2:50051',
      '127.0.0.3:50051',
      '127.0.0.4:50051',
      '127.0.0.5:50051',
    ]);
    dns.set('fleet.test', { addresses: ['127.0.0.5'] });
    expect((await resolveDnsTarget(target('fleet.test'), 2000)).addresses).toEqual([
      '127.0.0.5:50051',
    ]);
  });

  it('rejects a name the server does not know (ENOTFOUND), and a name with no records', async () => {
    await expect(resolveDnsTarget(target('nowhere.test'), 2000)).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
    dns.set('empty.test', { addresses: [] });
    await expect(resolveDnsTarget(target('empty.test'), 2000)).rejects.toMatchObject({
      code: expect.stringMatching(/ENODATA/),
    });
  });

  it('is bounded when the server does not answer: ETIMEOUT once the bound asked for has passed', async () => {
    // A UDP socket that reads queries and never answers.
    const silentServer = createSocket('udp4');
    await new Promise<void>((resolve) => silentServer.bind(0, '127.0.0.1', resolve));
    try {
      const port = silentServer.address().port;
      // 10x the 300 ms asked for; c-ares's own default (5 s, several tries) would trip it.
      const boundedBy300Ms = resolveDnsTarget(
        dnsTarget(`dns://127.0.0.1:${port}/orders.test:50051`)!,
        300,
      );
      await expect(
        settlesWithin(boundedBy300Ms, 3000, 'a resolution bounded by 300 ms'),
      ).rejects.toMatchObject({ code: 'ETIMEOUT' });
    } finally {
      await new Promise<void>((resolve) => silentServer.close(() => resolve()));
    }
  });

  it('a server that never answers AAAA: the A records come back', async () => {
    dns.set('noaaaa.test', { addresses: ['127.0.0.2', '127.0.0.3'], ttl: 30 });
    dns.drop('AAAA');
    // Ends the query should the guard trip: nothing outlives the test.
    const abort = new AbortController();
    try {
      // That this takes the 500 ms grace for the other family, not the AAAA query's
      // bound, is pinned with fake timers in lib/discovery/dns-family-grace.spec.ts.
      const resolution = resolveDnsTarget(target('noaaaa.test'), LONG_BOUND_MS, abort.signal);
      expect(
        await settlesWithin(resolution, HANG_GUARD_MS, 'a resolution with an unanswered AAAA'),
      ).toEqual({ addresses: ['127.0.0.2:50051', '127.0.0.3:50051'], ttlMs: 30_000 });
    } finally {
      abort.abort();
      dns.drop(undefined);
    }
  });

  it('an aborted signal ends a pending query at once, as ECANCELLED', async () => {
    dns.set('pending.test', { addresses: ['127.0.0.2'] });
    dns.drop('all');
    try {
      const abort = new AbortController();
      const asked = dns.queries.get('pending.test') ?? 0;
      // Not ended by the abort, it would fail later as ETIMEOUT.
      const resolution = resolveDnsTarget(target('pending.test'), LONG_BOUND_MS, abort.signal);
      await waitFor(
        () => (dns.queries.get('pending.test') ?? 0) > asked,
        HANG_GUARD_MS,
        'the DNS server to see the query',
      );
      abort.abort();
      await expect(
        settlesWithin(resolution, HANG_GUARD_MS, 'an aborted resolution'),
      ).rejects.toMatchObject({ code: 'ECANCELLED' });
    } finally {
      dns.drop(undefined);
    }
  });

  it('without a server in the target, asks the system resolver (/etc/hosts: localhost)', async () => {
    const resolution = await resolveDnsTarget(dnsTarget('localhost:50051')!, 2000);
    expect(resolution.addresses.length).toBeGreaterThan(0);
    expect(resolution.addresses.every((address) => address.endsWith(':50051'))).toBe(true);
    expect(resolution.ttlMs).toBeUndefined();
  });
});
