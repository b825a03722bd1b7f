import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ScriptedResolver } from '../../test/support/scripted-resolver.js';
import { DnsDiscovery, RESOLVE_TIMEOUT_MS, type DnsDiscoveryListener } from './dns-discovery.js';
import { dnsTarget } from '../options/dns-target.js';

// The refresh schedule, exact: a scripted resolver answers at once (or never),
// and fake timers move the clock.

const TARGET = 'dns:orders.internal:50051';
const REFRESH_MS = 30_000;
const START = 1_000_000;

type Heard = [at: number, event: string, detail?: string];

function follow(resolver: ScriptedResolver): { discovery: DnsDiscovery; heard: Heard[] } {
  const heard: Heard[] = [];
  const at = (): number => Date.now() - START;
  const listener: DnsDiscoveryListener = {
    resolved: (_, addresses) => heard.push([at(), 'resolved', addresses.join(',')]),
    failed: (_, error, first) =>
      heard.push([at(), first ? 'failed first' : 'failed again', error.message]),
    recovered: () => heard.push([at(), 'recovered']),
  };
  const discovery = new DnsDiscovery(
    [{ target: TARGET, dns: dnsTarget(TARGET)! }],
    REFRESH_MS,
    listener,
    resolver.resolve,
  );
  return { discovery, heard };
}

let discovery: DnsDiscovery | undefined;

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});

afterEach(() => {
  discovery?.stop();
  discovery = undefined;
  jest.useRealTimers();
});

describe('DnsDiscovery schedule', () => {
  it('resolves at start, then every refreshIntervalMs when the records carry no TTL', async () => {
    const resolver = new ScriptedResolver();
    ({ discovery } = follow(resolver));
    await discovery.start();
    await jest.advanceTimersByTimeAsync(REFRESH_MS - 1);
    expect(resolver.times(START)).toEqual([0]);
    await jest.advanceTimersByTimeAsync(1);
    expect(resolver.times(START)).toEqual([0, 30_000]);
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(resolver.times(START)).toEqual([0, 30_000, 60_000]);
  });

  it.each([
    [10_000, [0, 10_000, 20_000, 30_000]],
    // Never more than once a second, however short the TTL.
    [200, [0, 1000, 2000, 3000, 4000, 5000]],
    [0, [0, 1000, 2000, 3000, 4000, 5000]],
    // A TTL longer than the interval does not stretch it.
    [60_000, [0, 30_000]],
  ])('with a TTL of %i ms resolves at %j', async (ttlMs, expected) => {
    const resolver = new ScriptedResolver();
    resolver.answer = { addresses: ['10.0.0.1:50051'], ttlMs };
    ({ discovery } = follow(resolver));
    await discovery.start();
    await jest.advanceTimersByTimeAsync(expected[expected.length - 1]);
    expect(resolver.times(START)).toEqual(expected);
  });

  it('after a channel fails, resolves again one second after the last resolution began', async () => {
    const resolver = new ScriptedResolver();
    ({ discovery } = follow(resolver));
    await discovery.start();
    await jest.advanceTimersByTimeAsync(300);
    discovery.resolveSoon();
    await jest.advanceTimersByTimeAsync(699);
    expect(resolver.times(START)).toEqual([0]);
    await jest.advanceTimersByTimeAsync(1);
    expect(resolver.times(START)).toEqual([0, 1000]);
    // The regular schedule runs from there.
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(resolver.times(START)).toEqual([0, 1000, 31_000]);
  });

  it('resolves at once after a channel fails when the last resolution began over a second ago', async () => {
    const resolver = new ScriptedResolver();
    ({ discovery } = follow(resolver));
    await discovery.start();
    await jest.advanceTimersByTimeAsync(5000);
    discovery.resolveSoon();
    // Repeated failures do not push it back, nor add resolutions.
    discovery.resolveSoon();
    await jest.advanceTimersByTimeAsync(0);
    expect(resolver.times(START)).toEqual([0, 5000]);
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(resolver.times(START)).toEqual([0, 5000, 35_000]);
  });

  it('ignores channel failures before start and while a resolution is running', async () => {
    const resolver = new ScriptedResolver();
    ({ discovery } = follow(resolver));
    discovery.resolveSoon();
    await jest.advanceTimersByTimeAsync(2000);
    expect(resolver.asked).toEqual([]);
    resolver.answer = 'hang';
    void discovery.start(100);
    await jest.advanceTimersByTimeAsync(1500);
    discovery.resolveSoon();
    await jest.advanceTimersByTimeAsync(1000);
    expect(resolver.times(START + 2000)).toEqual([0]);
  });

  it('gives a query 5 s, then fails it as ETIMEOUT, cancels it, and retries on the regular schedule', async () => {
    expect(RESOLVE_TIMEOUT_MS).toBe(5000);
    const resolver = new ScriptedResolver();
    resolver.answer = 'hang';
    let heard: Heard[];
    ({ discovery, heard } = follow(resolver));
    let settled = false;
    void discovery.start().then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(4999);
    expect(heard).toEqual([]);
    expect(resolver.asked[0].signal.aborted).toBe(false);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(heard).toEqual([[5000, 'failed first', 'resolving orders.internal took over 5000 ms']]);
    expect(resolver.asked[0].signal.aborted).toBe(true);
    expect(settled).toBe(true);
    await jest.advanceTimersByTimeAsync(REFRESH_MS - 1);
    expect(resolver.times(START)).toEqual([0]);
    await jest.advanceTimersByTimeAsync(1);
    expect(resolver.times(START)).toEqual([0, 35_000]);
  });

  it('holds start() no longer than its wait, and uses a late answer when it comes', async () => {
    const resolver = new ScriptedResolver();
    resolver.answer = 'hang';
    let heard: Heard[];
    ({ discovery, heard } = follow(resolver));
    let settled = false;
    void discovery.start(2000).then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(1999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    expect(heard).toEqual([]);
    await jest.advanceTimersByTimeAsync(1000);
    resolver.pending[0]({ addresses: ['10.0.0.7:50051'], ttlMs: undefined });
    await jest.advanceTimersByTimeAsync(0);
    expect(heard).toEqual([[3000, 'resolved', '10.0.0.7:50051']]);
    // The next round counts from the answer.
    resolver.answer = { addresses: ['10.0.0.7:50051'] };
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(resolver.times(START)).toEqual([0, 33_000]);
  });

  it('retries a failing name every refreshIntervalMs, reports the first failure of a run, then the recovery', async () => {
    const resolver = new ScriptedResolver();
    resolver.answer = { fail: 'ENOTFOUND' };
    let heard: Heard[];
    ({ discovery, heard } = follow(resolver));
    await discovery.start();
    expect(discovery.failingSince()).toBe(START);
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    resolver.answer = { addresses: ['10.0.0.1:50051'] };
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(heard.map(([at, event]) => [at, event])).toEqual([
      [0, 'failed first'],
      [30_000, 'failed again'],
      [60_000, 'recovered'],
      [60_000, 'resolved'],
    ]);
    expect(discovery.failingSince()).toBeUndefined();
  });

  it('leaves no timer and no query behind once stopped', async () => {
    const resolver = new ScriptedResolver();
    ({ discovery } = follow(resolver));
    await discovery.start();
    expect(jest.getTimerCount()).toBe(1);
    resolver.answer = 'hang';
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(resolver.asked[1].signal.aborted).toBe(false);
    discovery.stop();
    expect(resolver.asked[1].signal.aborted).toBe(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
