import type { ServiceError } from '@grpc/grpc-js';
import { callFailures } from '../errors/call-failures.js';
import type { AbortedWhen } from '../errors/call-aborted.error.js';
import { abortFailure } from './abort-failure.js';
import { unwatchAbort, watchAbort, type AbortWatcher } from './abort-watch.js';

/**
 * Starts telling `call` of its `options.signal`'s abort, if it has one. A signal already
 * aborted, or one that cannot be watched, gives the failure the call ends
 * with instead, before it sends anything.
 */
export function watchCallSignal(
  signal: AbortSignal | undefined,
  call: AbortWatcher,
  method: string,
  label: string,
): ServiceError | undefined {
  if (signal === undefined) return undefined;
  if (signal.aborted) return abortFailure(method, signal.reason, 'before it was sent');
  try {
    watchAbort(signal, call);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    const problem = `options.signal could not be watched: ${reason}`;
    return callFailures.invalidArgument(label, problem);
  }
  return undefined;
}

/** What the call fails with when its signal aborts: it says where the call was (`queued`, or waiting to retry). */
export function signalAborted(
  signal: AbortSignal | undefined,
  method: string,
  queued: boolean,
  waitingToRetry: boolean,
): ServiceError {
  const reason = signal?.reason;
  return abortFailure(method, reason, abortedWhen(queued, waitingToRetry));
}

function abortedWhen(queued: boolean, waitingToRetry: boolean): AbortedWhen {
  if (queued) return 'while it waited for a slot (queued)';
  return waitingToRetry ? 'while it waited to retry' : 'while it ran';
}

/** The call's outcome is decided: its signal's abort no longer concerns it. */
export function unwatchCallSignal(signal: AbortSignal | undefined, call: AbortWatcher): void {
  if (signal !== undefined) unwatchAbort(signal, call);
}
