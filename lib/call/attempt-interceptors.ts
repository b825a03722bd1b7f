import { status } from '@grpc/grpc-js';
import type {
  GrpcCallContext,
  GrpcCallInterceptor,
} from '../interfaces/call-interceptor.interface.js';
import { asServiceError } from './as-service-error.js';

/**
 * Runs the `beforeAttempt` hooks in order. Synchronous hooks cost no promise:
 * `then` is called at once when none returned one.
 */
export function runBeforeAttempt(
  interceptors: readonly GrpcCallInterceptor[],
  call: GrpcCallContext,
  then: (error?: Error) => void,
): void {
  let index = 0;
  const step = (): void => {
    while (index < interceptors.length) {
      const hook = interceptors[index++].beforeAttempt;
      if (hook === undefined) continue;
      let result: void | Promise<void>;
      try {
        result = hook.call(interceptors[index - 1], call);
      } catch (error: unknown) {
        return then(asServiceError(error, status.UNKNOWN));
      }
      if (result instanceof Promise) {
        result.then(step, (error: unknown) => then(asServiceError(error, status.UNKNOWN)));
        return;
      }
    }
    then();
  };
  step();
}

/** Tells every `afterAttempt` hook how the attempt ended; a throwing hook cannot break the call. */
export function runAfterAttempt(
  interceptors: readonly GrpcCallInterceptor[],
  call: GrpcCallContext,
  code: status,
  details: string,
  startedAt: number,
): void {
  const outcome = { code, details, durationMs: performance.now() - startedAt };
  for (const interceptor of interceptors) {
    try {
      interceptor.afterAttempt?.(call, outcome);
    } catch {
      // An observer must not change the call's outcome.
    }
  }
}
