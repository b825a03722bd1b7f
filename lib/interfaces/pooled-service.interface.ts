import type { Metadata } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import type { GrpcPoolCallOptions } from './call-options.interface.js';

/**
 * A Nest client interface (as ts-proto's `nestJs=true` writes it, or by
 * hand) as `getService()` serves it: every method also takes the pool's
 * per-call options, so `timeoutMs`, `retry`, `onHeader` or `signal` need no
 * cast. Members that are not methods returning an Observable stay as they are.
 *
 * @example pool.getService<PooledService<OrdersServiceClient>>('OrdersService')
 * @publicApi
 */
export type PooledService<Client> = {
  [Method in keyof Client]: Client[Method] extends (
    request: infer Request,
    ...rest: never[]
  ) => Observable<infer Response>
    ? (request: Request, metadata?: Metadata, options?: GrpcPoolCallOptions) => Observable<Response>
    : Client[Method];
};
