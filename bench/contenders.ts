import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ClientGrpcProxy } from '@nestjs/microservices';
import { firstValueFrom, Observable } from 'rxjs';
import { GrpcPool, type GrpcPoolClientOptions } from '../dist/index.js';
import { BENCH_PACKAGE, BENCH_PROTO } from './bench-proto.js';
import type { CallFn } from './load.js';

/** A client under test: how to make the scenario's call, and how to close it. */
export interface Contender {
  name: string;
  call: CallFn;
  close(): void | Promise<void>;
  /** Before each of its runs (warm-up included): makes global what its calls read per call. */
  beforeRun?(): void;
  /** After each of its runs: undoes `beforeRun`, so the next contender pays nothing for it. */
  afterRun?(): Promise<void>;
  /** What its exporters received, printed after the scenario: proof they were in the call path. */
  recorded?(): Promise<string>;
}

type Method = 'echo' | 'slow';
type ObservableService = Record<Method, (request: object) => Observable<unknown>>;
type AsyncService = Record<Method, (request: object) => Promise<unknown>>;

const requestFor = (method: Method, delayMs: number): object =>
  method === 'slow' ? { delayMs } : { message: '' };

/** Nest's own client: `ClientsModule` builds exactly this. */
export function nestClientGrpcProxy(url: string, method: Method, delayMs: number): Contender {
  const proxy = new ClientGrpcProxy({ url, package: BENCH_PACKAGE, protoPath: BENCH_PROTO });
  const service = proxy.getService<ObservableService>('EchoService');
  const request = requestFor(method, delayMs);
  return {
    name: 'ClientGrpcProxy',
    call: () => firstValueFrom(service[method](request)),
    close: () => proxy.close(),
  };
}

interface UnaryRpc {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

function unaryRpc(method: Method): UnaryRpc {
  const definition = loadSync(BENCH_PROTO)[`${BENCH_PACKAGE}.EchoService`] as Record<
    string,
    UnaryRpc
  >;
  return definition[method === 'slow' ? 'Slow' : 'Echo'];
}

function callOn(client: Client, rpc: UnaryRpc, request: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      rpc.path,
      rpc.requestSerialize,
      rpc.responseDeserialize,
      request,
      new Metadata(),
      {},
      (error: ServiceError | null, value?: unknown) => (error ? reject(error) : resolve(value)),
    ),
  );
}

/** A client on a connection of its own (grpc-js would otherwise share one between clients). */
const ownConnection = (url: string): Client =>
  new Client(url, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });

/** Hand-made grpc-js clients, each on its own connection, used round robin. */
export function rawGrpcClients(
  url: string | string[],
  channels: number,
  method: Method,
  delayMs: number,
): Contender {
  const rpc = unaryRpc(method);
  const urls = ([] as string[]).concat(url);
  const clients = Array.from({ length: channels }, (_, i) => ownConnection(urls[i % urls.length]));
  const request = requestFor(method, delayMs);
  let next = 0;
  return {
    name: channels === 1 ? 'raw grpc-js, 1 channel' : `raw grpc-js, ${channels} channels`,
    call: () => callOn(clients[next++ % clients.length], rpc, request),
    close: () => clients.forEach((c) => c.close()),
  };
}

/** The pattern the pool replaces: a new client, so a new connection, for every call. */
export function connectionPerCall(url: string, method: Method, delayMs: number): Contender {
  const rpc = unaryRpc(method);
  const request = requestFor(method, delayMs);
  return {
    name: 'raw grpc-js, a new connection per call',
    call: async () => {
      const client = ownConnection(url);
      try {
        return await callOn(client, rpc, request);
      } finally {
        client.close();
      }
    },
    close: () => undefined,
  };
}

/**
 * The raw client behind the Observable API that Nest users call: the floor
 * any `getService()` client (Nest's or this one) pays for rxjs.
 */
export function rawGrpcObservable(url: string, method: Method, delayMs: number): Contender {
  const raw = rawGrpcClients(url, 1, method, delayMs);
  return {
    name: 'raw grpc-js, 1 channel, wrapped in an Observable',
    call: () =>
      firstValueFrom(
        new Observable<unknown>((subscriber) => {
          raw.call().then(
            (value) => {
              subscriber.next(value);
              subscriber.complete();
            },
            (error: unknown) => subscriber.error(error),
          );
        }),
      ),
    close: raw.close,
  };
}

/** Client options a contender sets on top of the pool's, and the label its name gets for them. */
export interface PoolVariant {
  label: string;
  options: Pick<
    GrpcPoolClientOptions,
    'defaultCallOptions' | 'interceptors' | 'telemetry' | 'prometheus' | 'forwardMetadata'
  >;
}

/** The pool every pool contender runs on: up to 100 calls a channel, as the backend allows. */
export function benchPool(
  url: string | string[],
  maxChannels: number,
  options?: PoolVariant['options'],
): GrpcPool {
  const pool = new GrpcPool({
    name: 'BENCH',
    url,
    package: BENCH_PACKAGE,
    protoPath: BENCH_PROTO,
    pool: { minChannels: 1, maxChannels, maxConcurrentCallsPerChannel: 100 },
    ...options,
  });
  pool.onModuleInit();
  return pool;
}

/** This library. */
export function grpcPool(
  url: string | string[],
  maxChannels: number,
  method: Method,
  delayMs: number,
  variant?: PoolVariant,
): Contender {
  const pool = benchPool(url, maxChannels, variant?.options);
  const service = pool.getService<ObservableService>('EchoService');
  const request = requestFor(method, delayMs);
  return {
    name: `nestjs-grpc-pool, maxChannels ${maxChannels}${variant ? `, ${variant.label}` : ''}`,
    call: () => firstValueFrom(service[method](request)),
    close: () => pool.close(),
  };
}

/** This library's async/await facade: the same pool, a Promise per call instead of an Observable. */
export function grpcPoolAsync(
  url: string | string[],
  maxChannels: number,
  method: Method,
  delayMs: number,
): Contender {
  const pool = benchPool(url, maxChannels);
  const service = pool.getAsyncService<AsyncService>('EchoService');
  const request = requestFor(method, delayMs);
  return {
    name: `nestjs-grpc-pool getAsyncService, maxChannels ${maxChannels}`,
    call: () => service[method](request),
    close: () => pool.close(),
  };
}

/** The call-policy layers all in use: a default deadline, retries, and one call interceptor. */
export const ALL_POLICIES: PoolVariant = {
  label: 'deadline + retry + interceptor',
  options: {
    defaultCallOptions: { timeoutMs: 5000, retry: { maxAttempts: 3 } },
    interceptors: [{ afterAttempt: () => undefined }],
  },
};
