import {
  Client,
  credentials,
  Metadata,
  status,
  type ClientReadableStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { EmptyError, firstValueFrom, type Observable } from 'rxjs';
import { GrpcPool, type GrpcPoolStats } from '../dist/index.js';
import { BENCH_PACKAGE, BENCH_PROTO } from './bench-proto.js';

/** What the soak repeats: the four shapes a call's life can take. */
export type SoakMode = 'unary' | 'server stream' | 'failing' | 'cancelled';
export const SOAK_MODES: SoakMode[] = ['unary', 'server stream', 'failing', 'cancelled'];

/** Messages each `server stream` call must receive, exactly. */
export const STREAM_LENGTH = 10;
/** `failing` calls are answered with this status: an application error, not retried. */
const FAILING_CODE = status.NOT_FOUND;
/** `cancelled` calls ask for a long, slow stream and unsubscribe after its first message. */
const LONG_STREAM = { count: 1000, intervalMs: 1000 };

/**
 * How a call ended: `ok`, `cancelled` (after its first message), a status
 * name, or `ok, N of 10 messages` for a stream that completed short.
 */
export type SoakCall = () => Promise<string>;

/**
 * The endings each mode expects. A cancelled call may also fail INTERNAL:
 * the server's HTTP/2 library (nghttp2 >= 1.57, rapid-reset protection)
 * closes a connection that resets streams faster than about 33 a second
 * after a burst of 1,000, with GOAWAY INTERNAL_ERROR, and Node 20 does not
 * let grpc-js raise that limit; both clients meet it alike.
 */
export const EXPECTED: Record<SoakMode, string[]> = {
  unary: ['ok'],
  'server stream': ['ok'],
  failing: [status[status.NOT_FOUND]],
  cancelled: ['cancelled', status[status.INTERNAL]],
};

export interface SoakClient {
  name: string;
  call(mode: SoakMode): SoakCall;
  /** The pool's stats, to check its counts; undefined for raw grpc-js. */
  stats?(): GrpcPoolStats;
  close(): Promise<void>;
}

interface EchoRequest {
  message: string;
  failWith?: number;
}
interface CountRequest {
  count: number;
  intervalMs: number;
}
interface SoakService {
  echo(request: EchoRequest): Observable<unknown>;
  count(request: CountRequest): Observable<unknown>;
}

const codeName = (error: unknown): string => {
  const code = (error as Partial<ServiceError>).code;
  return code === undefined ? String(error) : (status[code] ?? String(code));
};

/** A stream's ending, from its status and the messages it delivered. */
const streamEnding = (code: status, received: number, expected: number): string =>
  code !== status.OK
    ? status[code]
    : received === expected
      ? 'ok'
      : `ok, ${received} of ${expected} messages`;

const ending = (promise: Promise<unknown>, label: string): Promise<string> =>
  promise.then(() => label, codeName);

/** This library, built (`dist/`), with its defaults. */
export function poolClient(url: string): SoakClient {
  const pool = new GrpcPool({
    name: 'SOAK',
    url,
    package: BENCH_PACKAGE,
    protoPath: BENCH_PROTO,
  });
  void pool.onModuleInit();
  const service = pool.getService<SoakService>('EchoService');
  const calls: Record<SoakMode, SoakCall> = {
    unary: () => ending(firstValueFrom(service.echo({ message: 'soak' })), 'ok'),
    'server stream': () =>
      new Promise((resolve) => {
        let received = 0;
        service.count({ count: STREAM_LENGTH, intervalMs: 0 }).subscribe({
          next: () => received++,
          error: (error: unknown) => resolve(codeName(error)),
          complete: () => resolve(streamEnding(status.OK, received, STREAM_LENGTH)),
        });
      }),
    failing: () =>
      ending(firstValueFrom(service.echo({ message: 'soak', failWith: FAILING_CODE })), 'ok'),
    // firstValueFrom unsubscribes once the first message is in: the call is cancelled mid-stream.
    cancelled: () =>
      firstValueFrom(service.count(LONG_STREAM)).then(
        () => 'cancelled',
        // EmptyError: the stream completed without a message.
        (error: unknown) => (error instanceof EmptyError ? 'ok, 0 messages' : codeName(error)),
      ),
  };
  return {
    name: 'nestjs-grpc-pool',
    call: (mode) => calls[mode],
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

interface Rpc {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

/** One grpc-js client on a connection of its own, called directly. */
export function rawClient(url: string): SoakClient {
  const definition = loadSync(BENCH_PROTO)[`${BENCH_PACKAGE}.EchoService`] as Record<string, Rpc>;
  const client = new Client(url, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  const unary = (request: EchoRequest): Promise<string> =>
    new Promise((resolve) =>
      client.makeUnaryRequest(
        definition.Echo.path,
        definition.Echo.requestSerialize,
        definition.Echo.responseDeserialize,
        request,
        new Metadata(),
        {},
        (error: ServiceError | null) => resolve(error ? codeName(error) : 'ok'),
      ),
    );
  const stream = (request: CountRequest): ClientReadableStream<unknown> =>
    client.makeServerStreamRequest(
      definition.Count.path,
      definition.Count.requestSerialize,
      definition.Count.responseDeserialize,
      request,
      new Metadata(),
      {},
    );
  const calls: Record<SoakMode, SoakCall> = {
    unary: () => unary({ message: 'soak' }),
    'server stream': () =>
      new Promise((resolve) => {
        let received = 0;
        const call = stream({ count: STREAM_LENGTH, intervalMs: 0 });
        call.on('data', () => received++);
        // A failure also arrives as 'status', which decides the ending.
        call.on('error', () => undefined);
        call.on('status', ({ code }: StatusObject) =>
          resolve(streamEnding(code, received, STREAM_LENGTH)),
        );
      }),
    failing: () => unary({ message: 'soak', failWith: FAILING_CODE }),
    // The raw counterpart of unsubscribing: cancel once the first message is in.
    cancelled: () =>
      new Promise((resolve) => {
        const call = stream(LONG_STREAM);
        call.on('error', () => undefined);
        call.once('data', () => {
          call.cancel();
          resolve('cancelled');
        });
        // Settles the call only if it ended before its first message (a resolved promise ignores the rest).
        call.on('status', ({ code }: StatusObject) => resolve(streamEnding(code, 0, 1)));
      }),
  };
  return {
    name: 'raw grpc-js',
    call: (mode) => calls[mode],
    close: async () => client.close(),
  };
}
