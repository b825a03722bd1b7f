import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startTestDnsServer, type TestDnsServer } from '../../test/support/dns-server.js';
import { resolveDnsTarget, type DnsResolution } from './dns-resolution.js';
import { dnsTarget } from '../options/dns-target.js';

// The grace one address family gets once the other has answered, pinned with
// fake timers. The queries are real (a DNS server on 127.0.0.1, answered by
// c-ares with its own, unfaked clock); only the grace is a JS timer. I/O goes
// on because setImmediate, nextTick and hrtime stay real.

/** Real time a wait for I/O may take before the test calls it hung. */
const HANG_GUARD_NS = 10_000_000_000n;

/** Turns the real event loop until `condition` holds; fails naming `what` after the hang guard. */
async function turnUntil(condition: () => boolean, what: string): Promise<void> {
  const giveUpAt = process.hrtime.bigint() + HANG_GUARD_NS;
  while (!condition()) {
    if (process.hrtime.bigint() > giveUpAt) throw new Error(`hung waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A few real turns of the loop: enough for anything settled by a timer or a cancel. */
async function someTurns(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('resolveDnsTarget: the grace for the other address family', () => {
  let dns: TestDnsServer;

  beforeAll(async () => {
    dns = await startTestDnsServer();
  });
  afterAll(() => dns.close());
  afterEach(() => {
    jest.useRealTimers();
    dns.drop(undefined);
  });

  it('a server that never answers AAAA: the A records are used 500 ms after they came, not a moment sooner', async () => {
    dns.set('grace.test', { addresses: ['127.0.0.3', '127.0.0.2'], ttl: 30 });
    dns.drop('AAAA');
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime'] });
    const abort = new AbortController();
    let found: DnsResolution | undefined;
    try {
      // A query bound far beyond the grace: only the grace can end the AAAA query here.
      const resolving = resolveDnsTarget(
        dnsTarget(`dns://${dns.address}/grace.test:50051`)!,
        60_000,
        abort.signal,
      ).then((resolution) => (found = resolution));
      // The A answer arms the grace: the one JS timer there is.
      await turnUntil(() => jest.getTimerCount() === 1, 'the A answer');
      await turnUntil(() => (dns.queries.get('grace.test') ?? 0) >= 2, 'both queries sent');
      jest.advanceTimersByTime(499);
      await someTurns();
      expect(found).toBeUndefined();
      // The grace cancels the AAAA query: it settles within a few turns, with no I/O
      // to wait for (had nothing cancelled it, only c-ares's own timeout, seconds of
      // real time later, would end it).
      jest.advanceTimersByTime(1);
      await someTurns();
      expect(found).toBeDefined();
      await resolving;
      expect(found).toEqual({ addresses: ['127.0.0.2:50051', '127.0.0.3:50051'], ttlMs: 30_000 });
    } finally {
      abort.abort();
    }
  });

  it('both families answer: no grace is waited for', async () => {
    dns.set('both.test', { addresses: ['127.0.0.2', '::1'], ttl: 30 });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime'] });
    let found: DnsResolution | undefined;
    const resolving = resolveDnsTarget(
      dnsTarget(`dns://${dns.address}/both.test:50051`)!,
      60_000,
    ).then((resolution) => (found = resolution));
    // No fake time passes at all.
    await turnUntil(() => found !== undefined, 'the resolution to end');
    await resolving;
    expect(found).toEqual({ addresses: ['127.0.0.2:50051', '[::1]:50051'], ttlMs: 30_000 });
    expect(jest.getTimerCount()).toBe(0);
  });
});
