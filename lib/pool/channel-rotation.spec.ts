import { connectivityState } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ScriptedChannel } from '../../test/support/scripted-channel.js';
import { scriptedLimits } from '../../test/support/scripted-pool.js';
import type { ChannelReplacementReason } from './channel-replacement-reason.js';
import { BackendAddresses } from './backend-addresses.js';
import { ChannelPool } from './channel-pool.js';
import type { ChannelPoolConfig } from './channel-pool-config.js';

// Rotation at maxConnectionAgeMs, through the real pool: channels are
// scripted (the test sets their connectivity), time is fake, and
// Math.random (the jitter) is pinned.

const TARGET = '127.0.0.1:50051';
const AGE_MS = 60_000;

interface Replaced {
  at: number;
  id: number;
  reason: string;
  trouble: boolean;
  kind: ChannelReplacementReason;
}

let pool: ChannelPool | undefined;

function openPool(maxConnectionAgeMs = AGE_MS): {
  pool: ChannelPool;
  channels: ScriptedChannel[];
  replaced: Replaced[];
} {
  const channels: ScriptedChannel[] = [];
  const replaced: Replaced[] = [];
  const config: ChannelPoolConfig = {
    label: 'orders',
    addresses: new BackendAddresses([TARGET], 4),
    subsetRotationMs: 30_000,
    // Up to 4 channels; every other timed limit is off: this file is about rotation alone.
    limits: scriptedLimits({ minChannels: 2, maxConnectionAgeMs }),
    createChannel: (id, target, onState) => {
      const channel = new ScriptedChannel(id, target, onState);
      channels.push(channel);
      return channel;
    },
    onChannelReplaced: (channel, reason, trouble, kind) =>
      replaced.push({ at: Date.now(), id: channel.id, reason, trouble, kind }),
  };
  const opened = new ChannelPool(config);
  opened.open();
  for (const channel of channels) channel.become(connectivityState.READY);
  return { pool: opened, channels, replaced };
}

/** When the first rotation happens with Math.random() giving `random`. */
function firstRotationAt(random: number): number {
  jest.spyOn(Math, 'random').mockReturnValue(random);
  const opened = openPool();
  pool = opened.pool;
  for (let at = 1000; at <= AGE_MS; at += 1000) {
    jest.advanceTimersByTime(1000);
    if (opened.replaced.length > 0) return at;
  }
  return Infinity;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  pool?.close();
  pool = undefined;
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('ChannelPool rotation at maxConnectionAgeMs', () => {
  it.each([
    // Up to 10% sooner, so channels opened together do not all reconnect together;
    // the age is checked every second (a quarter of the age, at most 1 s).
    [0, 60_000],
    [0.5, 57_000],
    [0.99, 55_000],
  ])('with Math.random() = %f rotates a channel at %i ms', (random, expected) => {
    expect(firstRotationAt(random)).toBe(expected);
  });

  it('rotates both channels opened together at 60 s, not a millisecond sooner, as max_age', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const opened = openPool();
    pool = opened.pool;
    jest.advanceTimersByTime(AGE_MS - 1);
    expect(opened.replaced).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(opened.replaced).toEqual(
      [1, 2].map((id) => ({
        at: AGE_MS,
        id,
        reason: 'reached maxConnectionAgeMs 60000',
        trouble: false,
        kind: 'max_age',
      })),
    );
    // Each successor is opened and asked to connect at once.
    expect(opened.channels.map(({ id, connectCalls }) => [id, connectCalls])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
  });

  it('keeps the old channel serving until its successor is READY, then closes it once its calls finish', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const opened = openPool();
    pool = opened.pool;
    const lease = opened.pool.acquireNow();
    const busy = lease.channel as ScriptedChannel;
    const idle = opened.channels.find((channel) => channel !== busy)!;
    jest.advanceTimersByTime(AGE_MS);
    const busySuccessor = busy.successor as ScriptedChannel;
    const idleSuccessor = idle.successor as ScriptedChannel;
    expect(opened.channels.slice(2)).toEqual(
      expect.arrayContaining([busySuccessor, idleSuccessor]),
    );
    // Successors still CONNECTING: new calls stay on the old channels, which stay open.
    busySuccessor.become(connectivityState.CONNECTING);
    idleSuccessor.become(connectivityState.CONNECTING);
    const meanwhile = opened.pool.acquireNow();
    expect([busy, idle]).toContain(meanwhile.channel);
    meanwhile.release();
    expect(busy.closed || idle.closed).toBe(false);

    busySuccessor.become(connectivityState.READY);
    // The old channel takes no new calls, but its call in flight goes on.
    expect(busy.retiring).toBe(true);
    expect(busy.closed).toBe(false);
    expect(idle.retiring).toBe(false);
    const next = opened.pool.acquireNow();
    expect(next.channel).not.toBe(busy);
    next.release();
    lease.release();
    expect(busy.closed).toBe(true);

    // The other had no call: it closes the moment its successor is READY.
    idleSuccessor.become(connectivityState.READY);
    expect(idle.closed).toBe(true);
    expect(opened.pool.openChannels).toHaveLength(2);
    expect(opened.pool.openChannels).toEqual(
      expect.arrayContaining([busySuccessor, idleSuccessor]),
    );
  });

  it('rotates the successors in turn, one age after they were opened', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const opened = openPool();
    pool = opened.pool;
    jest.advanceTimersByTime(AGE_MS);
    for (const successor of opened.channels.slice(2)) successor.become(connectivityState.READY);
    jest.advanceTimersByTime(AGE_MS - 1);
    expect(opened.replaced.map(({ at, id }) => [at, id])).toEqual([
      [60_000, 1],
      [60_000, 2],
    ]);
    jest.advanceTimersByTime(1);
    expect(opened.replaced.map(({ at, id }) => [at, id])).toEqual([
      [60_000, 1],
      [60_000, 2],
      [120_000, 3],
      [120_000, 4],
    ]);
  });

  it('never rotates with maxConnectionAgeMs 0', () => {
    const opened = openPool(0);
    pool = opened.pool;
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(24 * 3600_000);
    expect(opened.replaced).toEqual([]);
    expect(opened.channels).toHaveLength(2);
  });
});
