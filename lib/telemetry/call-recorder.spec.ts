import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { CallMetrics } from './call-metrics.js';
import type { PooledChannel } from '../pool/pooled-channel.js';
import type { PoolMethod } from '../proto/service-catalog.js';
import { CallRecorder } from './call-recorder.js';
import { MethodTelemetry } from './method-telemetry.js';

/** Percentiles of a window that holds only `ms` values. */
const all = (ms: number) => ({ p50: ms, p95: ms, p99: ms });
const NOTHING = { p50: null, p95: null, p99: null };

/** Without an exporter the method is never (de)serialized through the recorder: its shape is not read. */
const method = { path: '/test.v1.EchoService/Echo' } as PoolMethod;

/** What the recorder reads of a channel: when it last became READY (performance.now(); -1 never). */
const channelReadyAt = (readyAt: number) => ({ readyAt }) as PooledChannel;

/**
 * The phases of `stats()` are differences of performance.now() readings taken as the pooled call
 * tells the recorder what happened. With fake timers (which fake performance.now() too) each
 * figure is exact.
 */
describe('CallRecorder: the phases of a call, to the millisecond', () => {
  let metrics: CallMetrics;
  let recorder: CallRecorder;

  beforeEach(() => {
    jest.useFakeTimers();
    // The fake performance.now() starts at 0, which the recorder reads as "no time" (as a real
    // process, running for a while before its first call, never shows it).
    jest.advanceTimersByTime(1000);
    metrics = new CallMetrics();
    recorder = new CallRecorder(
      new MethodTelemetry(metrics, [], undefined),
      method,
      performance.now(),
    );
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const phases = () => metrics.snapshot().phasesMs;

  it('a queued call on a READY channel: slot wait, headers, and the whole call', () => {
    recorder.askingForSlot(true);
    jest.advanceTimersByTime(100);
    recorder.attemptStarted(recorder.waitedForSlot(), true);
    jest.advanceTimersByTime(40);
    recorder.headersArrived();
    jest.advanceTimersByTime(60);
    recorder.attemptEnded(channelReadyAt(-1), status.OK);
    recorder.finished(status.OK, '', '127.0.0.1:50051', 1);
    expect(phases()).toEqual({
      slotWait: all(100),
      connectWait: all(0),
      headers: all(40),
      call: all(200),
    });
    expect(metrics.snapshot().latencyMs).toEqual(all(200));
  });

  it('an attempt placed on a channel still connecting waits until that channel is READY', () => {
    recorder.askingForSlot(true);
    recorder.attemptStarted(recorder.waitedForSlot(), false);
    jest.advanceTimersByTime(30);
    const readyAt = performance.now();
    jest.advanceTimersByTime(20);
    recorder.headersArrived();
    jest.advanceTimersByTime(30);
    recorder.attemptEnded(channelReadyAt(readyAt), status.OK);
    recorder.finished(status.OK, '', '127.0.0.1:50051', 1);
    expect(phases()).toEqual({
      slotWait: all(0),
      connectWait: all(30),
      headers: all(50),
      call: all(80),
    });
  });

  it('an attempt whose channel never became READY waited for it the whole attempt, and got no headers', () => {
    recorder.askingForSlot(true);
    recorder.attemptStarted(recorder.waitedForSlot(), false);
    jest.advanceTimersByTime(70);
    // A READY from before this attempt started does not count.
    recorder.attemptEnded(channelReadyAt(-1), status.UNAVAILABLE);
    recorder.finished(status.UNAVAILABLE, 'no connection', '127.0.0.1:50051', 1);
    expect(phases()).toEqual({
      slotWait: all(0),
      connectWait: all(70),
      headers: NOTHING,
      call: all(70),
    });
  });

  it("a retry's slot wait counts from when the retry asked, not from the call's start", () => {
    recorder.askingForSlot(true);
    recorder.attemptStarted(recorder.waitedForSlot(), true);
    jest.advanceTimersByTime(50);
    recorder.attemptEnded(channelReadyAt(-1), status.UNAVAILABLE);
    recorder.retried(2, status.UNAVAILABLE, 20);
    jest.advanceTimersByTime(20);
    recorder.askingForSlot(false);
    jest.advanceTimersByTime(10);
    recorder.attemptStarted(recorder.waitedForSlot(), true);
    jest.advanceTimersByTime(5);
    recorder.headersArrived();
    recorder.attemptEnded(channelReadyAt(-1), status.OK);
    recorder.finished(status.OK, '', '127.0.0.1:50051', 2);
    const { slotWait, call } = phases();
    // Two attempts: 0 ms and 10 ms; one call of 85 ms across both attempts and the backoff.
    expect(slotWait).toEqual({ p50: 0, p95: 10, p99: 10 });
    expect(call).toEqual(all(85));
    expect(metrics.snapshot().retries).toBe(1);
  });

  it('a call that gives up in the queue records the wait it gave up after, and no attempt', () => {
    recorder.askingForSlot(true);
    jest.advanceTimersByTime(250);
    recorder.slotWaitEnded(recorder.waitedForSlot());
    recorder.finished(status.RESOURCE_EXHAUSTED, 'no slot', undefined, 0);
    expect(phases()).toEqual({
      slotWait: all(250),
      connectWait: NOTHING,
      headers: NOTHING,
      call: all(250),
    });
  });
});
