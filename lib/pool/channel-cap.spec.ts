import { connectivityState, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { ScriptedChannel } from '../../test/support/scripted-channel.js';
import { scriptedPool, type ScriptedPool } from '../../test/support/scripted-pool.js';
import { RECYCLE_AFTER_FAILURES } from './channel-replacement.js';

// The pool never holds more than maxChannels, whatever adds a channel: a
// rotation's successor, a recycled channel's, a move to another address.
// At the cap, the channel leaving retires first and its successor takes the
// slot it frees. And no new call goes to an address discovery has dropped.
// A real pool over scripted channels, on a fake clock.

const { READY, TRANSIENT_FAILURE } = connectivityState;
const AGE_MS = 60_000;
/** How often the age sweep looks (a quarter of AGE_MS, at most a second: channel-rotation.ts). */
const SWEEP_MS = 1000;

let scripted: ScriptedPool | undefined;

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
  // No jitter: channels opened together rotate together.
  jest.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  scripted?.pool.close();
  scripted = undefined;
  jest.restoreAllMocks();
  jest.useRealTimers();
});

function open(
  targets: string[],
  limits: Parameters<typeof scriptedPool>[1],
  options?: Parameters<typeof scriptedPool>[2],
): ScriptedPool {
  scripted = scriptedPool(targets, limits, options);
  scripted.pool.open();
  for (const channel of scripted.opened) channel.become(READY);
  return scripted;
}

const ready = (channel: ScriptedChannel | undefined): void => channel?.become(READY);

describe('the cap at maxChannels', () => {
  it('a rotation at the cap retires first: an idle channel gives its slot at once, a busy one once its call ends', () => {
    const { opened, take, held, mostChannels } = open(['10.0.0.1:1'], {
      minChannels: 2,
      maxChannels: 2,
      maxConnectionAgeMs: AGE_MS,
    });
    const busy = take()!;
    const idle = opened.find((c) => c !== busy.channel)!;
    jest.advanceTimersByTime(AGE_MS);
    // The idle one closed, and a successor (3) took its place; the busy one drains.
    expect(idle.closed).toBe(true);
    expect(held().map(([id]) => id)).toEqual(expect.arrayContaining([busy.channel.id, 3]));
    expect(busy.channel.retiring).toBe(true);
    ready(opened[2]);
    expect(take()!.channel.id).toBe(3);
    busy.release();
    expect(held().map(([id]) => id)).toEqual(expect.arrayContaining([3, 4]));
    expect(mostChannels()).toBe(2);
  });

  it('maxChannels 1: a rotation never takes the only channel out of service while it carries a call; it rotates once idle', () => {
    const { opened, take, held, mostChannels } = open(['10.0.0.1:1'], {
      maxChannels: 1,
      maxConnectionAgeMs: AGE_MS,
    });
    const stream = take()!;
    jest.advanceTimersByTime(AGE_MS);
    // Retiring it would leave no channel for new calls until the stream ends: it keeps serving.
    const call = take();
    expect(call?.channel.id).toBe(stream.channel.id);
    call!.release();
    stream.release();
    // Idle now: at the next sweep it retires, closes at once, and its successor takes its place.
    jest.advanceTimersByTime(SWEEP_MS);
    expect(opened[0].closed).toBe(true);
    expect(held().map(([id]) => id)).toEqual([2]);
    expect(mostChannels()).toBe(1);
  });

  it('every channel coming of age at the cap while busy: the last one serving waits until another serves', () => {
    const { opened, take, held, mostChannels } = open(['10.0.0.1:1'], {
      minChannels: 2,
      maxChannels: 2,
      maxConnectionAgeMs: AGE_MS,
    });
    const [first, second] = [take()!, take()!];
    expect(first.channel).not.toBe(second.channel);
    jest.advanceTimersByTime(AGE_MS);
    // One retired; the other is the last channel taking calls, so it still takes them.
    const retired = [first, second].find((lease) => lease.channel.retiring)!;
    const serving = [first, second].find((lease) => !lease.channel.retiring)!;
    const call = take();
    expect(call?.channel.id).toBe(serving.channel.id);
    call!.release();
    // The retired one drains and closes; its successor opens in its place.
    retired.release();
    expect(held().map(([id]) => id)).toEqual([serving.channel.id, 3]);
    ready(opened[2]);
    // With the successor serving, the other rotates at the next sweep, retiring first.
    jest.advanceTimersByTime(SWEEP_MS);
    expect(serving.channel.retiring).toBe(true);
    expect(take()!.channel.id).toBe(3);
    serving.release();
    expect(held().map(([id]) => id)).toEqual([3, 4]);
    expect(mostChannels()).toBe(2);
  });

  it('a subset moving on at the cap keeps its only channel serving while it carries a call (minChannels 0)', () => {
    const { opened, take, held, mostChannels } = open(
      ['10.0.0.1:1', '10.0.0.2:1'],
      { minChannels: 0, maxChannels: 1 },
      { subsetRotationMs: 1000 },
    );
    const stream = take()!;
    ready(opened[0]);
    jest.advanceTimersByTime(1000);
    // Its address left the subset, but retiring it would leave new calls nowhere to go.
    const call = take();
    expect(call?.channel.id).toBe(stream.channel.id);
    call!.release();
    stream.release();
    expect(held()).toHaveLength(1);
    expect(mostChannels()).toBe(1);
  });

  it('a subset at the cap moves off a backend ejected while a call holds its channel, once that call ends', () => {
    const { pool, opened, take, held, mostChannels } = open(
      ['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1'],
      { maxChannels: 1 },
      // Ejected before the channel's own failures would recycle it (RECYCLE_AFTER_FAILURES).
      { outliers: true, consecutiveFailures: 3 },
    );
    const stream = take()!;
    const ejected = stream.channel.target;
    for (let i = 0; i < 3; i++) {
      const attempt = take()!;
      pool.report(attempt.channel, status.UNAVAILABLE);
      attempt.release();
    }
    // Ejected: the subset passes over it, and its channel takes no new call.
    expect(take()).toBeUndefined();
    stream.release();
    for (const channel of opened) if (!channel.closed) ready(channel);
    const next = take();
    expect(next?.channel.target).toBeDefined();
    expect(next?.channel.target).not.toBe(ejected);
    expect(held()).toHaveLength(1);
    expect(mostChannels()).toBe(1);
  });

  it('a READY channel failing at the cap is recycled by retiring it first, not by adding one', () => {
    const { pool, opened, take, held, mostChannels } = open(['10.0.0.1:1'], {
      maxChannels: 1,
    });
    const inFlight = take()!;
    for (let i = 0; i < RECYCLE_AFTER_FAILURES; i++) {
      const attempt = take()!;
      pool.report(attempt.channel, status.UNAVAILABLE);
      attempt.release();
    }
    expect(opened[0].retiring).toBe(true);
    // No room for a second channel: the next call waits for the slot.
    expect(take()).toBeUndefined();
    inFlight.release();
    expect(held().map(([id]) => id)).toEqual([2]);
    expect(mostChannels()).toBe(1);
  });

  it('DNS moves .2 -> .3 (refusing) -> .4: no call goes to .2 once dropped, and the pool stays within the cap', () => {
    const { pool, addresses, opened, take, held, mostChannels } = open(['dns:///moves.test:1'], {
      maxChannels: 2,
      maxConcurrentCallsPerChannel: 1,
    });
    const change = (address: string): void =>
      pool.addressesChanged(addresses.set('dns:///moves.test:1', [address])!);
    change('10.0.0.2:1');
    const on2 = opened.find((c) => c.target === '10.0.0.2:1')!;
    ready(on2);
    // Two calls on .2: the pool grows to its cap there.
    const calls = [take()!, take()!];
    for (const call of calls) ready(call.channel as ScriptedChannel);
    expect(held().map(([, target]) => target)).toEqual(['10.0.0.2:1', '10.0.0.2:1']);

    change('10.0.0.3:1');
    // Both .2 channels take no new call; the pool is full until one drains.
    expect(take()).toBeUndefined();
    calls[0].release();
    const on3 = opened.find((c) => c.target === '10.0.0.3:1')!;
    expect(held().map(([, target]) => target)).toEqual(['10.0.0.2:1', '10.0.0.3:1']);
    on3.become(TRANSIENT_FAILURE);
    const failing = take()!;
    expect(failing.channel).toBe(on3);

    change('10.0.0.4:1');
    // .3's channel holds a call and .2's another: the .4 channel waits for a free slot.
    expect(mostChannels()).toBe(2);
    failing.release();
    const on4 = opened.find((c) => c.target === '10.0.0.4:1')!;
    ready(on4);
    expect(take()!.channel).toBe(on4);
    calls[1].release();
    // The last of .2 has closed; the floor is one channel, on .4.
    expect(held().map(([, target]) => target)).toEqual(['10.0.0.4:1']);
    // Every call after the first change went elsewhere than .2.
    expect(opened.filter((c) => c.target === '10.0.0.2:1').map((c) => c.calls)).toEqual([1, 1]);
    expect(mostChannels()).toBe(2);
  });

  it('a subset that moves on at the cap hands each slot over, never holding an extra channel', () => {
    const targets = ['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1'];
    const { pool, opened, take, mostChannels } = open(
      targets,
      { maxChannels: 2 },
      { subsetRotationMs: 1000 },
    );
    expect(pool.openChannels).toHaveLength(2);
    const seen = new Set<string>();
    for (let move = 0; move < 6; move++) {
      for (const channel of opened) if (!channel.closed) ready(channel);
      const lease = take()!;
      seen.add(lease.channel.target);
      jest.advanceTimersByTime(1000);
      lease.release();
      expect(pool.openChannels.length).toBeLessThanOrEqual(2);
    }
    expect(seen).toEqual(new Set(targets));
    expect(mostChannels()).toBe(2);
  });
});
