import type { CallOptions, ClientReadableStream, Metadata, ServiceError } from '@grpc/grpc-js';
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

export interface CountRequest {
  count: number;
  intervalMs?: number;
  /** Fail the stream with this code after its messages. */
  failWith?: number;
}

/** A request stream as `getAsyncService()` takes it. */
export type RequestsOf<T> = AsyncIterable<T> | Iterable<T> | Observable<T>;

/** The EchoService as the pool's `getAsyncService()` exposes it. */
export interface EchoAsyncService {
  echo(
    request: EchoRequest,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Promise<EchoReply>;
  slow(
    request: { delayMs: number; message?: string },
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Promise<EchoReply>;
  count(
    request: CountRequest,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): AsyncIterableIterator<EchoReply>;
  collect(
    requests: RequestsOf<EchoRequest>,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Promise<EchoReply>;
  chat(
    requests: RequestsOf<EchoRequest>,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): AsyncIterableIterator<EchoReply>;
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
    request: CountRequest,
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

/** A grpc-js callback, as the EchoService's unary methods take it. */
export type EchoCallback = (error: ServiceError | null, reply?: EchoReply) => void;

/** The EchoService as the pool's `getClientByServiceName()` exposes it: grpc-js's own client. */
export interface EchoCallbackClient {
  echo(request: EchoRequest, metadata: Metadata, callback: EchoCallback): unknown;
  echo(
    request: EchoRequest,
    metadata: Metadata,
    options: CallOptions,
    callback: EchoCallback,
  ): unknown;
  slow(request: { delayMs: number; message?: string }, callback: EchoCallback): unknown;
  slow(
    request: { delayMs: number; message?: string },
    metadata: Metadata,
    options: CallOptions,
    callback: EchoCallback,
  ): unknown;
  Count(request: CountRequest): ClientReadableStream<EchoReply>;
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
