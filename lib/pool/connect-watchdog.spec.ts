import { connectivityState, credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ConnectWatchdog } from './connect-watchdog.js';
import { PooledChannel } from './pooled-channel.js';

const { CONNECTING, READY, TRANSIENT_FAILURE } = connectivityState;

/**
 * A real channel that never connects, whose state the test sets: a channel
 * that got TCP but no HTTP/2 handshake stays CONNECTING, which no socket on
 * a fake clock can stage.
 */
class ScriptedChannel extends PooledChannel {
  scripted: connectivityState | undefined;

  override state(): connectivityState {
    return this.scripted ?? super.state();
  }
}

const TIMEOUT_MS = 10_000;
let channel: ScriptedChannel;
let stuck: { id: number; at: number }[];
let watchdog: ConnectWatchdog;

/** The channel's state becomes `state`, and the watchdog is told, as the pool tells it. */
function becomes(state: connectivityState): void {
  channel.scripted = state;
  watchdog.observe(channel, state);
}

beforeEach(() => {
  jest.useFakeTimers();
  channel = new ScriptedChannel(1, '127.0.0.1:1', credentials.createInsecure(), {});
  stuck = [];
  watchdog = new ConnectWatchdog(TIMEOUT_MS, (c) => stuck.push({ id: c.id, at: Date.now() }));
});

afterEach(() => {
  watchdog.stop();
  channel.close();
  jest.useRealTimers();
});

describe('ConnectWatchdog', () => {
  it('reports a channel still CONNECTING exactly timeoutMs after it started, once', () => {
    const startedAt = Date.now();
    becomes(CONNECTING);
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(stuck).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(stuck).toEqual([{ id: 1, at: startedAt + TIMEOUT_MS }]);
    jest.advanceTimersByTime(10 * TIMEOUT_MS);
    expect(stuck).toHaveLength(1);
  });

  it('bounds the whole spell: being told CONNECTING again does not restart the clock', () => {
    const startedAt = Date.now();
    becomes(CONNECTING);
    jest.advanceTimersByTime(5000);
    becomes(CONNECTING);
    jest.advanceTimersByTime(TIMEOUT_MS - 5000);
    expect(stuck).toEqual([{ id: 1, at: startedAt + TIMEOUT_MS }]);
  });

  it('never reports a channel that connected in time', () => {
    becomes(CONNECTING);
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    becomes(READY);
    jest.advanceTimersByTime(10 * TIMEOUT_MS);
    expect(stuck).toEqual([]);
  });

  it('times a new spell from its own start after a failed attempt', () => {
    becomes(CONNECTING);
    jest.advanceTimersByTime(4000);
    becomes(TRANSIENT_FAILURE);
    jest.advanceTimersByTime(1000);
    const retriedAt = Date.now();
    becomes(CONNECTING);
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(stuck).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(stuck).toEqual([{ id: 1, at: retriedAt + TIMEOUT_MS }]);
  });

  it('does not report a channel whose state moved on unannounced by the time the bound passed', () => {
    becomes(CONNECTING);
    channel.scripted = READY;
    jest.advanceTimersByTime(10 * TIMEOUT_MS);
    expect(stuck).toEqual([]);
  });

  it('watches nothing with timeoutMs 0, and nothing after stop()', () => {
    watchdog = new ConnectWatchdog(0, (c) => stuck.push({ id: c.id, at: Date.now() }));
    becomes(CONNECTING);
    jest.advanceTimersByTime(3_600_000);
    watchdog = new ConnectWatchdog(TIMEOUT_MS, (c) => stuck.push({ id: c.id, at: Date.now() }));
    becomes(TRANSIENT_FAILURE);
    becomes(CONNECTING);
    watchdog.stop();
    jest.advanceTimersByTime(3_600_000);
    expect(stuck).toEqual([]);
  });
});
