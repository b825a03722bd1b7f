import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ChannelSet } from './channel-set.js';
import { IdleSweep } from './idle-sweep.js';
import { Lease } from './lease.js';
import { PooledChannel } from './pooled-channel.js';

// The idle sweep on a fake clock, over real channels that never connect.

const noop = (): void => undefined;
const MAX_CHANNELS = 8;
let channels: ChannelSet;
let sweep: IdleSweep | undefined;

/** A set of `count` channels, all last used now. */
function openChannels(count: number): PooledChannel[] {
  for (let i = 0; i < count; i++) channels.open('127.0.0.1:1');
  return [...channels.all];
}

function startSweep(idleTimeoutMs: number, floor: number): void {
  sweep = new IdleSweep(channels, idleTimeoutMs, () => floor);
  sweep.start();
}

const ids = (): number[] => channels.all.map((channel) => channel.id);

beforeEach(() => {
  jest.useFakeTimers();
  channels = new ChannelSet(
    MAX_CHANNELS,
    (id, target) => new PooledChannel(id, target, credentials.createInsecure(), {}),
  );
});

afterEach(() => {
  sweep?.stop();
  sweep = undefined;
  channels.closeAll();
  jest.useRealTimers();
});

describe('IdleSweep', () => {
  it('closes channels above the floor once idle for idleTimeoutMs, not a millisecond sooner', () => {
    const opened = openChannels(3);
    startSweep(1000, 1);
    jest.advanceTimersByTime(999);
    expect(ids()).toEqual([1, 2, 3]);
    jest.advanceTimersByTime(1);
    expect(ids()).toEqual([1]);
    // Closed, not just forgotten: grpc-js shut them down.
    expect(opened.map((channel) => channel.stats().state)).toEqual([
      'IDLE',
      'SHUTDOWN',
      'SHUTDOWN',
    ]);
  });

  it('sweeps every idleTimeoutMs / 2, so a channel idle since mid-period goes at the next sweep', () => {
    const [channel] = openChannels(1);
    startSweep(1000, 0);
    jest.advanceTimersByTime(600);
    new Lease(channel, noop, true).release();
    // Idle for 1000 ms at 1600; the sweeps fall at 500, 1000, 1500, 2000.
    jest.advanceTimersByTime(1399);
    expect(ids()).toEqual([1]);
    jest.advanceTimersByTime(1);
    expect(ids()).toEqual([]);
  });

  it('keeps a channel with calls in flight, however long since it was last released', () => {
    const [, busy] = openChannels(2);
    new Lease(busy, noop, true);
    startSweep(1000, 0);
    jest.advanceTimersByTime(60_000);
    expect(ids()).toEqual([2]);
  });

  it('closes the newest channels first and never goes below the floor', () => {
    openChannels(4);
    startSweep(1000, 2);
    jest.advanceTimersByTime(1000);
    expect(ids()).toEqual([1, 2]);
  });

  it('does nothing with idleTimeoutMs 0, and nothing after stop()', () => {
    openChannels(2);
    startSweep(0, 0);
    jest.advanceTimersByTime(3_600_000);
    expect(ids()).toEqual([1, 2]);
    startSweep(1000, 0);
    sweep!.stop();
    jest.advanceTimersByTime(3_600_000);
    expect(ids()).toEqual([1, 2]);
  });

  it('sweeps at least every 30 s when idleTimeoutMs is long', () => {
    const [channel] = openChannels(1);
    startSweep(600_000, 0);
    jest.advanceTimersByTime(10_000);
    new Lease(channel, noop, true).release();
    // Idle for 600 s at 610 s; the next sweep (every 30 s, not every 300 s) falls at 630 s.
    jest.advanceTimersByTime(619_999);
    expect(ids()).toEqual([1]);
    jest.advanceTimersByTime(1);
    expect(ids()).toEqual([]);
  });
});
