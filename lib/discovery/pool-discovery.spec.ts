import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ScriptedResolver } from '../../test/support/scripted-resolver.js';
import { PoolDiscovery } from './pool-discovery.js';

// When failing resolution makes the pool degraded: after a whole refresh
// interval of failures in a row, not at the first one (the addresses found
// last are still good for a while).

const TARGET = 'dns:orders.internal:50051';
const REFRESH_MS = 10_000;

let discovery: PoolDiscovery | undefined;

function poolDiscovery(resolver: ScriptedResolver): {
  discovery: PoolDiscovery;
  troubles: number[];
} {
  const start = Date.now();
  const troubles: number[] = [];
  const made = new PoolDiscovery(
    {
      displayName: 'orders',
      targets: [TARGET],
      maxChannels: 4,
      dns: { refreshIntervalMs: REFRESH_MS },
      secure: false,
    },
    () => undefined,
    // The pool reads trouble() each time it is told.
    () => troubles.push(Date.now() - start),
    resolver.resolve,
  );
  return { discovery: made, troubles };
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  discovery?.stop();
  discovery = undefined;
  jest.useRealTimers();
});

describe('PoolDiscovery trouble', () => {
  it('reports trouble once resolution has failed for a whole refresh interval, and none once it works', async () => {
    const resolver = new ScriptedResolver();
    resolver.answer = { addresses: ['10.0.0.1:50051', '10.0.0.2:50051'] };
    let troubles: number[];
    ({ discovery, troubles } = poolDiscovery(resolver));
    await discovery.start(5000);
    expect(discovery.addresses.all).toEqual(['10.0.0.1:50051', '10.0.0.2:50051']);
    resolver.answer = { fail: 'ENOTFOUND' };
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    // Failing since 10 s: a whole interval is up at 20 s, not a millisecond sooner.
    expect(discovery.trouble()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(REFRESH_MS - 1);
    expect(discovery.trouble()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(discovery.trouble()).toBe(
      'DNS resolution has failed for 10 s; calls go to the addresses found last',
    );
    // The pool is told at each failure, so it sees the trouble at the failure that completes the interval.
    expect(troubles).toEqual([10_000, 20_000]);
    expect(discovery.addresses.all).toEqual(['10.0.0.1:50051', '10.0.0.2:50051']);
    resolver.answer = { addresses: ['10.0.0.1:50051'] };
    await jest.advanceTimersByTimeAsync(REFRESH_MS);
    expect(discovery.trouble()).toBeUndefined();
    expect(troubles).toEqual([10_000, 20_000, 30_000]);
  });

  it('moves the subset on at the refresh interval; at 30 s with pool.dns false, which follows no names', () => {
    const resolver = new ScriptedResolver();
    ({ discovery } = poolDiscovery(resolver));
    expect(discovery.subsetRotationMs).toBe(REFRESH_MS);
    const off = new PoolDiscovery(
      { displayName: 'o', targets: [TARGET], maxChannels: 4, dns: false, secure: false },
      () => undefined,
      () => undefined,
      resolver.resolve,
    );
    expect(off.followsNames).toBe(false);
    expect(off.subsetRotationMs).toBe(30_000);
    off.stop();
  });
});
