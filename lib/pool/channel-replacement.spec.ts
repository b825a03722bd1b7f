import { connectivityState, credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ChannelReplacement, RECYCLE_AFTER_FAILURES } from './channel-replacement.js';
import { ChannelRotation } from './channel-rotation.js';
import { ChannelSet } from './channel-set.js';
import { PooledChannel } from './pooled-channel.js';

// How the pool's replacement policy applies the connect bound and the recycle
// backoff on the clock: real channels (never connected) whose state the test sets.

const { CONNECTING, READY, SHUTDOWN } = connectivityState;
const CONNECT_TIMEOUT_MS = 10_000;
const TARGET = '127.0.0.1:1';
const MAX_CHANNELS = 4;

class ScriptedChannel extends PooledChannel {
  scripted: connectivityState | undefined;
  connects = 0;

  override state(): connectivityState {
    return this.scripted ?? super.state();
  }

  override connect(): void {
    this.connects++;
  }

  /** What grpc-js says, whatever the script says. */
  realState(): connectivityState {
    return super.state();
  }
}

let channels: ChannelSet;
let rotation: ChannelRotation;
let replacement: ChannelReplacement;
let replaced: { id: number; kind: string; reason: string; at: number }[];

/** A channel in the pool in `state`. */
function open(state: connectivityState): ScriptedChannel {
  const channel = channels.open(TARGET) as ScriptedChannel;
  channel.scripted = state;
  return channel;
}

/** `count` attempts on `channel` end UNAVAILABLE now. */
function fail(channel: ScriptedChannel, count: number): void {
  for (let i = 0; i < count; i++) replacement.recordOutcome(channel, true);
}

beforeEach(() => {
  jest.useFakeTimers();
  replaced = [];
  channels = new ChannelSet(MAX_CHANNELS, (id, target) => {
    const channel = new ScriptedChannel(id, target, credentials.createInsecure(), {});
    // A successor connects at once in these tests.
    channel.scripted = READY;
    return channel;
  });
  const onReplaced = (channel: PooledChannel, reason: string, _t: boolean, kind: string): void => {
    replaced.push({ id: channel.id, kind, reason, at: Date.now() });
  };
  rotation = new ChannelRotation(channels, 0, onReplaced);
  replacement = new ChannelReplacement(channels, rotation, {
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    isClosed: () => false,
    refill: () => undefined,
    onReplaced,
  });
});

afterEach(() => {
  replacement.stop();
  rotation.stop();
  channels.closeAll();
  jest.useRealTimers();
});

describe('ChannelReplacement: a channel stuck CONNECTING', () => {
  it('is closed and replaced in its place exactly at connectTimeoutMs', () => {
    const stuck = open(CONNECTING);
    const startedAt = Date.now();
    replacement.watch(stuck, CONNECTING);
    jest.advanceTimersByTime(CONNECT_TIMEOUT_MS - 1);
    expect(channels.all).toEqual([stuck]);
    jest.advanceTimersByTime(1);
    const [successor] = channels.all as ScriptedChannel[];
    expect(successor.id).toBe(2);
    expect(successor.target).toBe(TARGET);
    expect(successor.connects).toBe(1);
    expect(stuck.realState()).toBe(SHUTDOWN);
    expect(replaced).toEqual([
      {
        id: 1,
        kind: 'connect_timeout',
        reason: `was still CONNECTING after connectTimeoutMs ${CONNECT_TIMEOUT_MS}`,
        at: startedAt + CONNECT_TIMEOUT_MS,
      },
    ]);
  });
});

describe('ChannelReplacement: READY channels that keep failing', () => {
  it(`rotates a READY channel after ${RECYCLE_AFTER_FAILURES} failures in a row, not ${RECYCLE_AFTER_FAILURES - 1}`, () => {
    const channel = open(READY);
    fail(channel, RECYCLE_AFTER_FAILURES - 1);
    expect(replaced).toEqual([]);
    fail(channel, 1);
    expect(replaced.map((r) => [r.id, r.kind])).toEqual([[1, 'failing']]);
    expect(channel.successor?.id).toBe(2);
  });

  it('lets the next replacement to the same backend happen 1 s later, then 2 s later, not sooner', () => {
    const first = open(READY);
    fail(first, RECYCLE_AFTER_FAILURES);
    const start = Date.now();
    // Its successor fails at once too: the backoff holds it back until 1 s after the first.
    const second = first.successor as ScriptedChannel;
    jest.advanceTimersByTime(500);
    fail(second, RECYCLE_AFTER_FAILURES);
    jest.advanceTimersByTime(499);
    fail(second, 1);
    expect(replaced).toHaveLength(1);
    jest.advanceTimersByTime(1);
    fail(second, 1);
    expect(replaced.map((r) => r.at - start)).toEqual([0, 1000]);
    expect(replaced[1].reason).toContain('the next replacement to this backend waits 2 s');
    const third = second.successor as ScriptedChannel;
    jest.advanceTimersByTime(1999);
    fail(third, RECYCLE_AFTER_FAILURES);
    expect(replaced).toHaveLength(2);
    jest.advanceTimersByTime(1);
    fail(third, 1);
    expect(replaced.map((r) => r.at - start)).toEqual([0, 1000, 3000]);
  });

  it('starts a failure run over on any other answer', () => {
    const channel = open(READY);
    fail(channel, RECYCLE_AFTER_FAILURES - 1);
    replacement.recordOutcome(channel, false);
    fail(channel, RECYCLE_AFTER_FAILURES - 1);
    expect(replaced).toEqual([]);
  });
});
