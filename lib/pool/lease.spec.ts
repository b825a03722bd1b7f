import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Lease } from './lease.js';
import { PooledChannel } from './pooled-channel.js';

// A real channel that never connects: the lease only counts on it.
let channel: PooledChannel;

beforeEach(() => {
  jest.useFakeTimers();
  channel = new PooledChannel(1, '127.0.0.1:1', credentials.createInsecure(), {});
});

afterEach(() => {
  channel.close();
  jest.useRealTimers();
});

describe('Lease', () => {
  it('frees its slot once however many paths release it, and stamps the channel as used then', () => {
    let freed = 0;
    const lease = new Lease(channel, () => freed++, false);
    expect([channel.inFlight, channel.calls]).toEqual([1, 1]);
    jest.advanceTimersByTime(1234);
    const releasedAt = Date.now();
    lease.release();
    jest.advanceTimersByTime(1000);
    lease.release();
    expect([channel.inFlight, channel.calls, freed]).toEqual([0, 1, 1]);
    // The idle sweep measures idleness from here.
    expect(channel.lastUsedAt).toBe(releasedAt);
  });
});
