/**
 * Bidi streaming contenders: each call opens one `Chat` stream, sends
 * `messages` requests and reads every echo before the next call. What is
 * measured is how fast each client moves stream messages, not call set-up.
 */
import { Client, credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ClientGrpcProxy } from '@nestjs/microservices';
import { count, from, lastValueFrom, type Observable } from 'rxjs';
import { BENCH_PACKAGE, BENCH_PROTO } from './bench-proto.js';
import { benchPool, type Contender } from './contenders.js';

interface ChatRpc {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

type ObservableChat = { chat(requests: Observable<object>): Observable<unknown> };
type AsyncChat = { chat(requests: Iterable<object>): AsyncIterable<unknown> };

const requestsOf = (messages: number): object[] =>
  Array.from({ length: messages }, (_, i) => ({ message: String(i) }));

/** Fails a stream that ended with fewer echoes than it sent. */
function expectEchoes(received: number, sent: number): void {
  if (received !== sent) throw new Error(`${received} echoes for ${sent} messages`);
}

/** grpc-js's own duplex stream: write them all, count the echoes, settle on the status. */
export function rawChat(url: string, messages: number): Contender {
  const rpc = (loadSync(BENCH_PROTO)[`${BENCH_PACKAGE}.EchoService`] as Record<string, ChatRpc>)
    .Chat;
  const client = new Client(url, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  const requests = requestsOf(messages);
  return {
    name: 'raw grpc-js duplex stream, 1 channel',
    call: () =>
      new Promise<void>((resolve, reject) => {
        const call: ClientDuplexStream<object, unknown> = client.makeBidiStreamRequest(
          rpc.path,
          rpc.requestSerialize,
          rpc.responseDeserialize,
          new Metadata(),
          {},
        );
        let received = 0;
        call.on('data', () => received++);
        call.on('error', reject);
        call.on('status', (status) => {
          if (status.code !== 0) return;
          try {
            expectEchoes(received, messages);
            resolve();
          } catch (error) {
            reject(error);
          }
        });
        for (const request of requests) call.write(request);
        call.end();
      }),
    close: () => client.close(),
  };
}

/** Nest's client: the request stream as an Observable, the echoes counted. */
export function nestChat(url: string, messages: number): Contender {
  const proxy = new ClientGrpcProxy({ url, package: BENCH_PACKAGE, protoPath: BENCH_PROTO });
  const service = proxy.getService<ObservableChat>('EchoService');
  const requests = requestsOf(messages);
  return {
    name: 'ClientGrpcProxy',
    call: async () =>
      expectEchoes(await lastValueFrom(service.chat(from(requests)).pipe(count())), messages),
    close: () => proxy.close(),
  };
}

/** The pool's Observable facade, as Nest code calls it. */
export function poolChat(url: string, messages: number): Contender {
  const pool = benchPool(url, 1);
  const service = pool.getService<ObservableChat>('EchoService');
  const requests = requestsOf(messages);
  return {
    name: 'nestjs-grpc-pool getService, maxChannels 1',
    call: async () =>
      expectEchoes(await lastValueFrom(service.chat(from(requests)).pipe(count())), messages),
    close: () => pool.close(),
  };
}

/** The pool's async facade: an array as the request stream, `for await` over the echoes. */
export function poolAsyncChat(url: string, messages: number): Contender {
  const pool = benchPool(url, 1);
  const service = pool.getAsyncService<AsyncChat>('EchoService');
  const requests = requestsOf(messages);
  return {
    name: 'nestjs-grpc-pool getAsyncService, maxChannels 1',
    call: async () => {
      let received = 0;
      for await (const _echo of service.chat(requests)) received++;
      expectEchoes(received, messages);
    },
    close: () => pool.close(),
  };
}
