import { status } from '@grpc/grpc-js';
import { GrpcPoolCallError } from './grpc-call.error.js';

/**
 * Where the call was when its signal aborted, as its message says. Public as
 * `GrpcCallAbortedWhen`, the type of `GrpcCallAbortedError`'s constructor argument.
 * @publicApi
 */
export type AbortedWhen =
  | 'before it was sent'
  | 'while it waited for a slot (queued)'
  | 'while it waited to retry'
  | 'while it ran';

/**
 * The caller's `AbortSignal` ended the call. It is a CANCELLED gRPC error, so
 * `err.code` checks keep working, and it is named `AbortError`, as `fetch`'s
 * is, so `err.name === 'AbortError'` checks work too. `cause` is the
 * signal's reason.
 * @publicApi
 */
export class GrpcCallAbortedError extends GrpcPoolCallError {
  constructor(method: string, reason: unknown, when: AbortedWhen) {
    super(status.CANCELLED, `${method} was aborted by its AbortSignal ${when}${why(reason)}`);
    this.name = 'AbortError';
    this.cause = reason;
  }
}

/** The reason's message, when the signal has one of its own. */
function why(reason: unknown): string {
  if (reason instanceof Error && reason.name !== 'AbortError') return `: ${reason.message}`;
  if (typeof reason === 'string') return `: ${reason}`;
  return '';
}
