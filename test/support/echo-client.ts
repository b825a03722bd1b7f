import type { Metadata } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import { GrpcPool, type GrpcPoolCallOptions, type GrpcPoolClientOptions } from '../../lib/index.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './protos.js';

export interface EchoReply {
  message: string;
  peer: string;
  token: string;
}
export interface EchoRequest {
  message?: string;
  failWith?: number;
  failTimes?: number;
  key?: string;
  pushbackMs?: number;
}

/** The EchoService as the pool's `getService()` exposes it. */
export interface EchoService {
  echo(
    request: EchoRequest,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Observable<EchoReply>;
  slow(
    request: { delayMs: number; message?: string },
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Observable<EchoReply>;
  count(
    request: { count: number; intervalMs: number },
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Observable<EchoReply>;
  collect(
    requests: Observable<EchoRequest>,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Observable<EchoReply>;
  chat(
    requests: Observable<EchoRequest>,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Observable<EchoReply>;
}

/** A pool on the echo proto; the caller closes it. */
export function createEchoPool(
  url: string | string[],
  overrides: Partial<GrpcPoolClientOptions> = {},
): GrpcPool {
  const pool = new GrpcPool({
    name: 'ECHO',
    package: ECHO_PACKAGE,
    protoPath: ECHO_PROTO,
    url,
    ...overrides,
  });
  pool.onModuleInit();
  return pool;
}
