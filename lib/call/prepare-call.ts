import { Metadata, type CallOptions, type Interceptor } from '@grpc/grpc-js';
import { callFailures } from '../errors/call-failures.js';
import { forwardInbound } from '../context/forward-metadata.js';
import type { GrpcCallInterceptor } from '../interfaces/call-interceptor.interface.js';
import type { GrpcPoolCallOptions } from '../interfaces/call-options.interface.js';
import { isPlainObject } from '../options/option-rules.js';
import { callArgumentsProblem } from '../options/validate-call-options.js';
import { currentRequest, inheritedDeadline, inheritedSignal } from '../context/request-context.js';
import { resolveRetryPolicy, type RetryPolicy } from '../policies/retry-policy.js';
import { sendableDeadline } from './sendable-deadline.js';

/** A call's metadata and grpc-js options after the pool's own options are applied. */
export interface PreparedCall {
  metadata: Metadata;
  callOptions: CallOptions;
  /** Epoch milliseconds, or undefined for no deadline. */
  deadline: number | undefined;
  retry: RetryPolicy | undefined;
  idempotent: boolean;
  /** The client's call interceptors, then the call's own. */
  interceptors: readonly GrpcCallInterceptor[];
  onHeader?: (metadata: Metadata) => void;
  onTrailer?: (metadata: Metadata) => void;
  signal?: AbortSignal;
}

/** What a method's calls get when they set nothing: the method's settings over the client's defaults. */
export interface MethodCallDefaults {
  timeoutMs: number | undefined;
  waitForReady: boolean;
  retry: RetryPolicy | undefined;
  idempotent: boolean;
  interceptors: readonly GrpcCallInterceptor[];
  /** Inbound headers to copy into the call (`forwardMetadata`), lowercased. */
  forwardMetadata: readonly string[];
}

/** grpc-js only reads call options, so calls without any share one object. */
const NO_CALL_OPTIONS: CallOptions = Object.freeze({});

/**
 * Checks `(metadata?, options?)` (metadata is a grpc-js `Metadata` or
 * nothing; options always come third) and turns `timeoutMs` and
 * `waitForReady` into a grpc-js deadline and metadata flag. The call's own
 * deadline (the earlier of `deadline` and `timeoutMs`) replaces the method's
 * and the client's default; the budget of the Nest request being handled
 * (`@GrpcTimeout`) caps it. A bad argument or option fails this call only,
 * with INVALID_ARGUMENT, before it asks for a slot.
 */
export function prepareCall(
  label: string,
  defaults: MethodCallDefaults,
  metadataArg: unknown,
  optionsArg: unknown,
): PreparedCall {
  if (metadataArg === undefined && optionsArg === undefined) return prepareDefaultCall(defaults);
  optionsArg = readOptionsOnce(label, optionsArg);
  const problem = callArgumentsProblem(metadataArg, optionsArg);
  if (problem !== undefined) throw callFailures.invalidArgument(label, problem);
  const {
    timeoutMs,
    waitForReady,
    retry,
    idempotent,
    deadline,
    interceptors,
    onHeader,
    onTrailer,
    signal,
    ...grpcOptions
  } = (optionsArg ?? {}) as GrpcPoolCallOptions;
  const callDeadline = sendableDeadline(
    earliest(ownDeadline(deadline, timeoutMs) ?? defaultDeadline(defaults), inheritedDeadline()),
  );
  const given = metadataArg as Metadata | null | undefined;
  let callMetadata = given ?? new Metadata();
  if (waitForReady ?? defaults.waitForReady) {
    // Cloned so the flag never leaks into metadata the caller reuses.
    callMetadata = callMetadata.clone();
    callMetadata.setOptions({ waitForReady: true });
  }
  callMetadata = forwardInbound(callMetadata, defaults.forwardMetadata, callMetadata !== given);
  const callOptions: CallOptions = grpcOptions;
  if (callDeadline !== undefined) callOptions.deadline = callDeadline;
  const own = interceptors === undefined ? [] : splitInterceptors(interceptors, callOptions);
  return {
    metadata: callMetadata,
    callOptions,
    deadline: callDeadline,
    retry: retry === undefined ? defaults.retry : resolveRetryPolicy(retry),
    idempotent: idempotent ?? defaults.idempotent,
    interceptors: own.length === 0 ? defaults.interceptors : [...defaults.interceptors, ...own],
    onHeader,
    onTrailer,
    signal: eitherAborts(signal, inheritedSignal()),
  };
}

/** The call's own signal and the inbound call's cancellation: the call ends when either fires. */
function eitherAborts(
  own: AbortSignal | undefined,
  inherited: AbortSignal | undefined,
): AbortSignal | undefined {
  if (inherited === undefined) return own;
  if (own === undefined) return inherited;
  // AbortSignal.any takes real signals only; a look-alike keeps to itself.
  return own instanceof AbortSignal ? AbortSignal.any([own, inherited]) : own;
}

/**
 * A copy of the options, each read once: what is checked is what is used,
 * even when a getter answers differently the second time. Options that
 * throw when read fail the call with INVALID_ARGUMENT.
 */
function readOptionsOnce(label: string, options: unknown): unknown {
  try {
    return isPlainObject(options) ? { ...options } : options;
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw callFailures.invalidArgument(label, `options could not be read: ${reason}`);
  }
}

/**
 * Functions are native grpc-js interceptors (they go to grpc-js); objects are
 * the pool's call interceptors (returned).
 */
function splitInterceptors(
  interceptors: readonly unknown[],
  callOptions: CallOptions,
): GrpcCallInterceptor[] {
  const native = interceptors.filter((i) => typeof i === 'function') as Interceptor[];
  if (native.length > 0) callOptions.interceptors = native;
  return interceptors.filter((i) => typeof i !== 'function') as GrpcCallInterceptor[];
}

/** The common case, `method(request)`: kept to the allocations grpc-js needs. */
function prepareDefaultCall(defaults: MethodCallDefaults): PreparedCall {
  const metadata = forwardInbound(new Metadata(), defaults.forwardMetadata, true);
  if (defaults.waitForReady) metadata.setOptions({ waitForReady: true });
  const request = currentRequest();
  const deadline = sendableDeadline(earliest(defaultDeadline(defaults), request?.deadline));
  return {
    metadata,
    callOptions: deadline === undefined ? NO_CALL_OPTIONS : { deadline },
    deadline,
    retry: defaults.retry,
    idempotent: defaults.idempotent,
    interceptors: defaults.interceptors,
    signal: request?.signal,
  };
}

/** The request budget caps whatever deadline the call has. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

function defaultDeadline(defaults: MethodCallDefaults): number | undefined {
  return defaults.timeoutMs === undefined ? undefined : Date.now() + defaults.timeoutMs;
}

/** The earlier of the call's `deadline` and `timeoutMs` (both checked), or undefined when it sets neither. */
function ownDeadline(
  deadline: Date | number | null | undefined,
  timeoutMs: number | undefined,
): number | undefined {
  const fromTimeout = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  if (deadline === undefined || deadline === null) return fromTimeout;
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return fromTimeout === undefined ? at : Math.min(at, fromTimeout);
}
