import { CallCredentials, Metadata, type CallOptions } from '@grpc/grpc-js';
import type { GrpcPoolCallOptions } from '../interfaces/call-options.interface.js';
import { keysOf } from './keys-of.js';
import {
  describe,
  isPlainObject,
  MAX_DURATION_MS,
  tooLong,
  unknownOption,
} from './option-rules.js';
import { retryOptionProblem } from './validate-client-options.js';

/** The call options grpc-js itself reads (`CallOptions`). */
export const GRPC_CALL_OPTION_KEYS = keysOf<CallOptions>({
  deadline: true,
  host: true,
  parent: true,
  propagate_flags: true,
  credentials: true,
  interceptors: true,
  interceptor_providers: true,
});

/** What `getService()` methods take as their third argument: grpc-js's plus the pool's own. */
const POOL_CALL_OPTION_KEYS = [
  ...keysOf<Omit<GrpcPoolCallOptions, keyof CallOptions>>({
    timeoutMs: true,
    waitForReady: true,
    retry: true,
    idempotent: true,
    onHeader: true,
    onTrailer: true,
    signal: true,
  }),
  ...GRPC_CALL_OPTION_KEYS,
];

/**
 * What is wrong with the `(metadata?, options?)` of a `getService()` call, as
 * `"<argument> <rule>"`; undefined when they are fine. Checked before the call
 * asks for a slot, so a bad call holds nothing. Metadata must be a grpc-js
 * `Metadata` (a plain object there is most likely headers, which would be
 * silently dropped); options are always the third argument.
 */
export function callArgumentsProblem(metadata: unknown, options: unknown): string | undefined {
  if (metadata != null && !(metadata instanceof Metadata)) {
    return (
      `metadata (the second argument) must be a grpc-js Metadata, undefined or null ` +
      `(got ${describe(metadata)}); call options go in the third argument`
    );
  }
  if (options == null) return undefined;
  if (!isOptionsObject(options)) {
    return `options (the third argument) must be an object (got ${describe(options)})`;
  }
  for (const key of Object.keys(options)) {
    if (!(POOL_CALL_OPTION_KEYS as readonly string[]).includes(key)) {
      return `options.${key} ${unknownOption(key, POOL_CALL_OPTION_KEYS)}`;
    }
  }
  return (
    timeoutProblem(options.timeoutMs) ??
    booleanProblem('waitForReady', options.waitForReady) ??
    booleanProblem('idempotent', options.idempotent) ??
    functionProblem('onHeader', options.onHeader) ??
    functionProblem('onTrailer', options.onTrailer) ??
    signalProblem(options.signal) ??
    (options.retry === undefined
      ? undefined
      : retryOptionProblem('options.retry', options.retry)) ??
    grpcCallOptionsProblem(options, false)
  );
}

/**
 * What is wrong with grpc-js `CallOptions` (the pool's `getService()` options
 * include them; `getClientByServiceName()` calls take only them).
 */
export function grpcCallOptionsProblem(
  options: Record<string, unknown>,
  nativeInterceptorsOnly: boolean,
): string | undefined {
  const { deadline, host, propagate_flags, credentials, parent } = options;
  if (host !== undefined && typeof host !== 'string') {
    return `options.host must be a string (got ${describe(host)})`;
  }
  if (propagate_flags !== undefined && !Number.isInteger(propagate_flags)) {
    return `options.propagate_flags must be an integer (got ${describe(propagate_flags)})`;
  }
  // grpc-js composes call credentials inside a promise no one catches: anything else crashes the process.
  if (credentials != null && !(credentials instanceof CallCredentials)) {
    return (
      `options.credentials must be grpc-js CallCredentials, e.g. from ` +
      `credentials.createFromMetadataGenerator() (got ${describe(credentials)})`
    );
  }
  // grpc-js reads the parent's deadline and listens for its cancellation.
  if (parent != null && !isServerCall(parent)) {
    return (
      `options.parent must be the call a grpc-js server handler received, with getDeadline() ` +
      `and on() (got ${describe(parent)})`
    );
  }
  return (
    deadlineProblem(deadline) ??
    interceptorsProblem(options.interceptors, nativeInterceptorsOnly) ??
    providersProblem(options.interceptor_providers)
  );
}

function isServerCall(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const call = value as { getDeadline?: unknown; on?: unknown };
  return typeof call.getDeadline === 'function' && typeof call.on === 'function';
}

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && !(value instanceof Metadata);
}

function timeoutProblem(timeoutMs: unknown): string | undefined {
  if (timeoutMs === undefined) return undefined;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    return `options.timeoutMs must be a number >= 0 (got ${describe(timeoutMs)})`;
  }
  // grpc-js cannot send a timeout of 3.6e14 ms or more (it throws where no one catches it).
  return timeoutMs > MAX_DURATION_MS ? `options.timeoutMs ${tooLong(timeoutMs)}` : undefined;
}

/** A Date or epoch ms, at most MAX_DURATION_MS ahead; `Infinity` is grpc-js's "no deadline". */
function deadlineProblem(deadline: unknown): string | undefined {
  if (deadline == null) return undefined;
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof at !== 'number' || Number.isNaN(at)) {
    return `options.deadline must be a Date or epoch milliseconds (got ${describe(deadline)})`;
  }
  if (at === Infinity || at - Date.now() <= MAX_DURATION_MS) return undefined;
  return (
    `options.deadline must be at most ${MAX_DURATION_MS} ms (about 24.8 days) from now, ` +
    `or Infinity for none (got ${Math.round(at - Date.now())} ms from now)`
  );
}

function booleanProblem(key: string, value: unknown): string | undefined {
  return value === undefined || typeof value === 'boolean'
    ? undefined
    : `options.${key} must be a boolean (got ${describe(value)})`;
}

function functionProblem(key: string, value: unknown): string | undefined {
  return value === undefined || typeof value === 'function'
    ? undefined
    : `options.${key} must be a function (got ${describe(value)})`;
}

/** Anything with AbortSignal's shape: a signal from another realm (a VM context, a polyfill) works too. */
function signalProblem(signal: unknown): string | undefined {
  if (signal === undefined) return undefined;
  const candidate = signal as Partial<AbortSignal> | null;
  const shaped =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function';
  return shaped ? undefined : `options.signal must be an AbortSignal (got ${describe(signal)})`;
}

/** Functions are native grpc-js interceptors; objects are call interceptors, whose hooks must be functions. */
function interceptorsProblem(interceptors: unknown, nativeOnly: boolean): string | undefined {
  if (interceptors === undefined) return undefined;
  if (!Array.isArray(interceptors)) {
    return `options.interceptors must be an array (got ${describe(interceptors)})`;
  }
  for (const [i, interceptor] of interceptors.entries()) {
    if (typeof interceptor === 'function') continue;
    if (nativeOnly) {
      return `options.interceptors[${i}] must be a grpc-js interceptor (a function) (got ${describe(interceptor)})`;
    }
    if (typeof interceptor !== 'object' || interceptor === null) {
      return (
        `options.interceptors[${i}] must be a grpc-js interceptor (a function) or a call ` +
        `interceptor (an object) (got ${describe(interceptor)})`
      );
    }
    for (const hook of ['beforeAttempt', 'afterAttempt'] as const) {
      const value: unknown = (interceptor as Record<string, unknown>)[hook];
      if (value !== undefined && typeof value !== 'function') {
        return `options.interceptors[${i}].${hook} must be a function (got ${describe(value)})`;
      }
    }
  }
  return undefined;
}

function providersProblem(providers: unknown): string | undefined {
  if (providers === undefined) return undefined;
  if (!Array.isArray(providers) || providers.some((p) => typeof p !== 'function')) {
    return 'options.interceptor_providers must be an array of functions';
  }
  return undefined;
}
