import { Metadata, type CallOptions } from '@grpc/grpc-js';
import { callFailures } from '../errors/call-failures.js';
import type { GrpcPoolCallOptions } from '../interfaces/call-options.interface.js';
import type { CallContext } from './call-context.js';

/** A call's metadata and grpc-js options after the pool's own options are applied. */
export interface PreparedCall {
  metadata: Metadata;
  callOptions: CallOptions;
  /** Epoch milliseconds, or undefined for no deadline. */
  deadline: number | undefined;
}

/**
 * Reads `(metadata?, options?)` as Nest and grpc-js accept them (metadata may
 * be omitted, or the options passed in its place) and turns `timeoutMs` and
 * `waitForReady` into a grpc-js deadline and metadata flag. A bad value fails
 * this call only, with INVALID_ARGUMENT.
 */
export function prepareCall(
  context: CallContext,
  metadataArg: unknown,
  optionsArg: unknown,
): PreparedCall {
  let metadata = metadataArg;
  let options = optionsArg;
  if (options === undefined && metadata != null && !(metadata instanceof Metadata)) {
    options = metadata;
    metadata = undefined;
  }
  if (metadata != null && !(metadata instanceof Metadata)) {
    throw callFailures.invalidArgument(
      context.label,
      'metadata must be a grpc-js Metadata instance',
    );
  }
  if (options != null && typeof options !== 'object') {
    throw callFailures.invalidArgument(context.label, 'options must be an object');
  }
  const {
    timeoutMs,
    waitForReady,
    retry: _retry,
    deadline,
    ...rest
  } = (options ?? {}) as GrpcPoolCallOptions;
  const grpcOptions: CallOptions = rest;
  const defaults = context.options.callDefaults;
  const callDeadline = resolveDeadline(context, deadline, timeoutMs ?? defaults.timeoutMs);
  let callMetadata = (metadata as Metadata | null | undefined) ?? new Metadata();
  if (waitForReady ?? defaults.waitForReady) {
    // Cloned so the flag never leaks into metadata the caller reuses.
    callMetadata = callMetadata.clone();
    callMetadata.setOptions({ waitForReady: true });
  }
  if (callDeadline !== undefined) grpcOptions.deadline = callDeadline;
  return { metadata: callMetadata, callOptions: grpcOptions, deadline: callDeadline };
}

function resolveDeadline(
  context: CallContext,
  deadline: unknown,
  timeoutMs: unknown,
): number | undefined {
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)
  ) {
    throw callFailures.invalidArgument(
      context.label,
      `options.timeoutMs must be a number >= 0 (got ${String(timeoutMs)})`,
    );
  }
  const fromTimeout = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  if (deadline === undefined || deadline === null) return fromTimeout;
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof at !== 'number' || Number.isNaN(at)) {
    throw callFailures.invalidArgument(
      context.label,
      'options.deadline must be a Date or epoch milliseconds',
    );
  }
  return fromTimeout === undefined ? at : Math.min(at, fromTimeout);
}
