import { status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { callFailures } from '../errors/call-failures.js';
import { POOL_DEFAULTS } from '../options/pool-defaults.js';
import { CallAdmission, type AbortableCall } from './call-admission.js';

// The drain deadline on shutdown, exact: calls in flight get drainTimeoutMs
// to finish, then are cancelled; new calls are refused from the start.

const LABEL = '"ORDERS"';
const DRAIN_MS = 10_000;

/** A call that records when, and with what, it was aborted. */
class RecordedCall implements AbortableCall {
  abortedWith: { at: number; error: ServiceError } | undefined;

  abort(error: ServiceError): void {
    expect(this.abortedWith).toBeUndefined();
    this.abortedWith = { at: Date.now(), error };
  }
}

function admitted(admission: CallAdmission, count: number): RecordedCall[] {
  return Array.from({ length: count }, () => {
    expect(admission.refusal()).toBeUndefined();
    const call = new RecordedCall();
    admission.register(call);
    return call;
  });
}

const shutdownError = (): ServiceError => callFailures.closedDuringShutdown(LABEL, DRAIN_MS);

/** Starts a drain and records when it settles, with what. */
function startDrain(admission: CallAdmission): {
  outcome: () => [number, number | undefined] | undefined;
} {
  let outcome: [number, number | undefined] | undefined;
  admission.stopAdmitting();
  void admission.drain(DRAIN_MS, shutdownError).then((cancelled) => {
    outcome = [Date.now(), cancelled];
  });
  return { outcome: () => outcome };
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('CallAdmission drain', () => {
  it('gives calls 10 s by default', () => {
    expect(POOL_DEFAULTS.drainTimeoutMs).toBe(DRAIN_MS);
  });

  it('refuses new calls from the moment the drain starts, then as closed', () => {
    const admission = new CallAdmission(LABEL);
    admitted(admission, 1);
    startDrain(admission);
    expect(admission.refusal()).toMatchObject({
      code: status.UNAVAILABLE,
      details: `gRPC pool ${LABEL} is draining for shutdown and takes no new calls`,
    });
    admission.markClosed();
    expect(admission.refusal()).toMatchObject({
      code: status.UNAVAILABLE,
      details: `gRPC pool ${LABEL} is closed`,
    });
  });

  it('cancels the calls still running at exactly drainTimeoutMs, with CANCELLED', async () => {
    const admission = new CallAdmission(LABEL);
    const calls = admitted(admission, 3);
    const drain = startDrain(admission);
    await jest.advanceTimersByTimeAsync(DRAIN_MS - 1);
    expect(calls.map((call) => call.abortedWith)).toEqual([undefined, undefined, undefined]);
    expect(drain.outcome()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    for (const call of calls) {
      expect(call.abortedWith?.at).toBe(DRAIN_MS);
      expect(call.abortedWith?.error).toMatchObject({
        code: status.CANCELLED,
        details: `gRPC pool ${LABEL} closed during shutdown: the call did not finish within drainTimeoutMs 10000`,
      });
    }
    expect(drain.outcome()).toEqual([DRAIN_MS, 3]);
    expect(admission.size).toBe(0);
  });

  it('cancels only the calls left: those that finished are not touched', async () => {
    const admission = new CallAdmission(LABEL);
    const [early, late] = admitted(admission, 2);
    const drain = startDrain(admission);
    await jest.advanceTimersByTimeAsync(4000);
    admission.finished(early);
    await jest.advanceTimersByTimeAsync(DRAIN_MS - 4000);
    expect(early.abortedWith).toBeUndefined();
    expect(late.abortedWith?.at).toBe(DRAIN_MS);
    expect(drain.outcome()).toEqual([DRAIN_MS, 1]);
  });

  it('ends the drain the moment the last call finishes, cancelling nothing and leaving no timer', async () => {
    const admission = new CallAdmission(LABEL);
    const [first, second] = admitted(admission, 2);
    const drain = startDrain(admission);
    await jest.advanceTimersByTimeAsync(3000);
    admission.finished(first);
    // Finishing twice counts once.
    admission.finished(first);
    expect(drain.outcome()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(4000);
    admission.finished(second);
    await jest.advanceTimersByTimeAsync(0);
    expect(drain.outcome()).toEqual([7000, undefined]);
    expect(jest.getTimerCount()).toBe(0);
    expect([first.abortedWith, second.abortedWith]).toEqual([undefined, undefined]);
  });

  it('ends at once with no call in flight', async () => {
    const admission = new CallAdmission(LABEL);
    const drain = startDrain(admission);
    await jest.advanceTimersByTimeAsync(0);
    expect(drain.outcome()).toEqual([0, undefined]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with drainTimeoutMs 0 cancels what runs at once', async () => {
    const admission = new CallAdmission(LABEL);
    const [call] = admitted(admission, 1);
    admission.stopAdmitting();
    let cancelled: number | undefined;
    void admission.drain(0, shutdownError).then((count) => (cancelled = count));
    await jest.advanceTimersByTimeAsync(0);
    expect(cancelled).toBe(1);
    expect(call.abortedWith?.at).toBe(0);
  });
});
