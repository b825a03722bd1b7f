import type { CallOptions } from '@grpc/grpc-js';
import { sendableDeadline } from '../../call/sendable-deadline.js';
import { withWireStatusInCallOptions } from '../../call/wire-status-interceptor.js';
import { callOptionsIndex, type MethodShape } from '../../options/validate-callback-arguments.js';

/**
 * A `getClientByServiceName()` call's arguments as grpc-js gets them, with
 * the rules every pool call keeps applied to the call options it passes
 * (checked already): a deadline further than the wire carries moves in, as
 * `getService()` calls' do; and interceptors passed per call, which replace
 * the client's in grpc-js, end with the one that normalises the status.
 * The caller's options object is copied when it changes, never modified.
 */
export function withPoolCallRules(method: MethodShape, args: unknown[]): unknown[] {
  const at = callOptionsIndex(method, args);
  if (at < 0) return args;
  const given = args[at] as CallOptions;
  const options = withWireStatusInCallOptions(withSendableDeadline(given));
  if (options === given) return args;
  const sent = [...args];
  sent[at] = options;
  return sent;
}

function withSendableDeadline(options: CallOptions): CallOptions {
  const { deadline } = options;
  if (deadline === undefined) return options;
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const sendable = sendableDeadline(at);
  return sendable === at ? options : { ...options, deadline: sendable };
}
