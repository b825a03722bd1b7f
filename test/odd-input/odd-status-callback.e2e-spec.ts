import {
  InterceptingCall,
  status,
  type CallOptions,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { expectCountsAddUp } from '../support/counts-add-up.js';
import type { EchoCallbackClient } from '../support/echo-client.js';
import { settlesWithin } from '../support/hang-guard.js';
import { oddStatusBackend } from '../support/odd-status-backend.js';
import { askingFor, ODD_STATUSES, oddStatusDetails } from '../support/odd-status-calls.js';

/** Bounds each call, which takes milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** A caller's own interceptor that records the status codes it is handed. */
function recordingCodes(codes: number[]): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) =>
        next(metadata, {
          onReceiveStatus: (received, nextStatus) => {
            codes.push(received.code);
            nextStatus(received);
          },
        }),
    });
}

/** `getClientByServiceName()` hands grpc-js's own callbacks the same UNKNOWN, and counts it. */
describe('a grpc-status outside 0..16 on a callback-style call', () => {
  const backend = oddStatusBackend();

  it.each(ODD_STATUSES)(
    'fails UNKNOWN with the original in details, for grpc-status %s',
    async (odd) => {
      const pool = backend.openPool();
      const client = pool.getClientByServiceName<EchoCallbackClient>('EchoService');
      const error = await settlesWithin(
        new Promise<ServiceError | null>((resolve) =>
          client.echo({ message: 'x' }, askingFor(odd), (failed) => resolve(failed)),
        ),
        HANG_GUARD_MS,
        `the callback call answered ${odd}`,
      );
      expect(error?.code).toBe(status.UNKNOWN);
      expect(error?.details).toBe(oddStatusDetails(odd));
      await expectCountsAddUp(pool);
      expect(pool.stats().calls.byCode).toEqual({ UNKNOWN: 1 });
    },
  );

  // Interceptors passed per call replace the client's in grpc-js, the pool's normalising one too.
  it.each([
    ['interceptors', (codes: number[]): CallOptions => ({ interceptors: [recordingCodes(codes)] })],
    [
      'interceptor_providers',
      (codes: number[]): CallOptions => ({ interceptor_providers: [() => recordingCodes(codes)] }),
    ],
  ])(
    'fails UNKNOWN to the callback and to the per-call %s alike, for grpc-status 50000000',
    async (_kind, withInterceptor) => {
      const pool = backend.openPool();
      const client = pool.getClientByServiceName<EchoCallbackClient>('EchoService');
      const codes: number[] = [];
      const options = withInterceptor(codes);
      const error = await settlesWithin(
        new Promise<ServiceError | null>((resolve) =>
          client.echo({ message: 'x' }, askingFor('50000000'), options, resolve),
        ),
        HANG_GUARD_MS,
        'the callback call with per-call interceptors',
      );
      expect(error?.code).toBe(status.UNKNOWN);
      expect(error?.details).toBe(oddStatusDetails('50000000'));
      expect(codes).toEqual([status.UNKNOWN]);
      // The caller's options keep the caller's one interceptor: the pool's went into a copy.
      expect((options.interceptors ?? options.interceptor_providers)?.length).toBe(1);
      await expectCountsAddUp(pool);
      expect(pool.stats().calls.byCode).toEqual({ UNKNOWN: 1 });
    },
  );
});
