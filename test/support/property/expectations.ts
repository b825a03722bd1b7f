import { status } from '@grpc/grpc-js';
import type { CallRecord } from './call-record.js';
import type { Behaviour } from './operations.js';

/**
 * What a call may end with when it starts, decided from the operation alone (never from a
 * clock). Later events widen it through `CallRecord.disrupt`: an abort adds CANCELLED, a dead
 * backend UNAVAILABLE, close() UNAVAILABLE and CANCELLED, each only for calls still unsettled.
 */

/** Valid codes are kept; anything else a backend sends is UNKNOWN (gRPC's rule for a client). */
export function codeOfWireStatus(text: string): number {
  const code = Number(text);
  return /^\d+$/.test(text) && code >= 0 && code <= 16 ? code : status.UNKNOWN;
}

/** The server's own answer, before deadlines and aborts; undefined when it never answers. */
function answerOf(behaviour: Behaviour): number | undefined {
  switch (behaviour.is) {
    case 'ok':
    case 'hold':
    case 'slowStream':
      return status.OK;
    case 'fail':
      return behaviour.code;
    case 'wireStatus':
      return codeOfWireStatus(behaviour.status);
    case 'reset':
      // grpc-js: RST_STREAM INTERNAL_ERROR without a status is INTERNAL.
      return status.INTERNAL;
    case 'holdForever':
      return undefined;
  }
}

/** The state of the run when a call starts. */
export interface RunState {
  /** close() was called. */
  closing: boolean;
  /** The backend went down at least once: calls from then on may find no connection. */
  backendTrouble: boolean;
  /** The run's shared signal is aborted already. */
  sharedAborted: boolean;
}

/**
 * The library's order, which the model follows: a closed pool refuses first, then the arguments
 * are checked, then the signal, then the deadline.
 */
export function expectAtStart(record: CallRecord, run: RunState): void {
  const { behaviour, deadline, abort } = record.operation;
  if (run.closing) {
    record.only(
      status.UNAVAILABLE,
      'it started after close(), which refuses before it checks anything',
    );
    return;
  }
  if (deadline.is === 'invalid') {
    record.only(status.INVALID_ARGUMENT, `timeoutMs ${String(deadline.timeoutMs)} is invalid`);
    return;
  }
  if (abort === 'before' || (abort === 'shared' && run.sharedAborted)) {
    record.only(status.CANCELLED, 'its signal was aborted before it started');
    return;
  }
  if (deadline.is === 'valid' && deadline.label === 'zero') {
    // Not fixed: the deadline is reported a moment later, and an abort in between may win.
    record.allow(status.DEADLINE_EXCEEDED, 'timeoutMs 0: its deadline had passed as it started');
    return;
  }
  const answer = answerOf(behaviour);
  if (answer !== undefined) record.allow(answer, `the server answers ${behaviour.is}`);
  if (deadline.is === 'valid' && deadline.label !== 'huge') {
    record.allow(status.DEADLINE_EXCEEDED, `its deadline ${deadline.timeoutMs} ms can pass`);
  }
  if (run.backendTrouble) {
    record.allow(status.UNAVAILABLE, 'the backend went down during the run');
  }
}
