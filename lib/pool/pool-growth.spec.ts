import { connectivityState } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { scriptedPool, type ScriptedPool } from '../../test/support/scripted-pool.js';
import type { Lease } from './lease.js';

// Growth is for load, not for failure: a real pool over scripted channels.
// A channel in TRANSIENT_FAILURE is no reason to open another channel to its
// backend, for a new call or for a retry; calls that fill every READY channel
// are, on a backend that is not failing.

const { READY, TRANSIENT_FAILURE, CONNECTING } = connectivityState;
const A = '10.0.0.1:50051';
const B = '10.0.0.2:50051';

let scripted: ScriptedPool | undefined;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  scripted?.pool.close();
  scripted = undefined;
  jest.useRealTimers();
});

function open(targets: string[], limits: Parameters<typeof scriptedPool>[1]): ScriptedPool {
  scripted = scriptedPool(targets, limits);
  scripted.pool.open();
  return scripted;
}

describe('PoolGrowth and SlotLender: growth is for load', () => {
  it('a backend whose only channel is in TRANSIENT_FAILURE gets no second channel: calls, and their retries, go to that channel', () => {
    const { pool, opened, take, mostChannels } = open([A], { maxChannels: 4 });
    opened[0].become(TRANSIENT_FAILURE);
    const leases: Lease[] = [];
    for (let call = 0; call < 10; call++) {
      let lease = take()!;
      // Each attempt fails there and is retried, avoiding the channel it failed on.
      for (let retry = 0; retry < 4; retry++) {
        lease.release();
        lease = take(lease)!;
      }
      leases.push(lease);
    }
    expect(leases.map((lease) => lease.channel.id)).toEqual(Array(10).fill(1));
    expect(pool.openChannels.map((c) => c.id)).toEqual([1]);
    expect(mostChannels()).toBe(1);
  });

  it('calls that fill every READY channel open one more, to a backend that is not failing', () => {
    const { opened, take, held } = open([A, B], {
      maxChannels: 4,
      maxConcurrentCallsPerChannel: 1,
    });
    const [onA, onB] = opened;
    onA.become(TRANSIENT_FAILURE);
    onB.become(READY);
    expect(take()!.channel).toBe(onB);
    // B's channel is full; the only room left is on A's failing channel: grow, on B.
    const second = take()!;
    expect(second.channel.target).toBe(B);
    expect(second.channel.id).toBe(3);
    expect(held()).toEqual([
      [1, A],
      [2, B],
      [3, B],
    ]);
  });

  it('every backend failing and every channel full: the call waits, the pool does not grow', () => {
    const { take, opened, held } = open([A, B], {
      maxChannels: 4,
      maxConcurrentCallsPerChannel: 1,
    });
    for (const channel of opened) channel.become(TRANSIENT_FAILURE);
    // Each failing channel takes one call (it fails fast there), then there is no room at all.
    expect(take()).toBeDefined();
    expect(take()).toBeDefined();
    expect(take()).toBeUndefined();
    expect(held()).toEqual([
      [1, A],
      [2, B],
    ]);
  });

  it('a broken connection beside a READY channel to the same backend does not stop growth for load', () => {
    const { opened, take, held } = open([A], {
      minChannels: 2,
      maxChannels: 4,
      maxConcurrentCallsPerChannel: 1,
    });
    opened[0].become(READY);
    opened[1].become(TRANSIENT_FAILURE);
    expect(take()!.channel.id).toBe(1);
    // The READY one is full: the backend is up, so load grows the pool there.
    expect(take()!.channel.id).toBe(3);
    expect(held().map(([id]) => id)).toEqual([1, 2, 3]);
  });

  it('a channel still connecting takes the next call rather than growing the pool', () => {
    const { opened, take, held } = open([A], { maxChannels: 4 });
    opened[0].become(CONNECTING);
    expect(take()!.channel.id).toBe(1);
    expect(held().map(([id]) => id)).toEqual([1]);
  });

  it('growth for load stops at maxChannels: the next call waits', () => {
    const { opened, take, held, mostChannels } = open([A], {
      maxChannels: 3,
      maxConcurrentCallsPerChannel: 1,
    });
    opened[0].become(READY);
    for (let call = 0; call < 3; call++) {
      const lease = take()!;
      (lease.channel as (typeof opened)[number]).become(READY);
    }
    expect(take()).toBeUndefined();
    expect(held().map(([id]) => id)).toEqual([1, 2, 3]);
    expect(mostChannels()).toBe(3);
  });
});
