import type { ServiceError } from '@grpc/grpc-js';

/** The error a call fails with; fails the test if the call succeeds instead. */
export function failure(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as ServiceError,
  );
}
