import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServerReadableStream,
  type ServerWritableStream,
  type ServiceClientConstructor,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ECHO_PROTO } from './protos.js';

/**
 * A server that honours flow control and shows it: its response stream
 * writes only while `write()` says the connection takes more (and counts the
 * times it said no); its request stream reader takes breaks, so a client
 * that ignored flow control would run far ahead of it.
 */
export interface FlowServer {
  address: string;
  /** Responses written so far, and how often `write()` returned false. */
  written: number;
  refusedWrites: number;
  cancelled: number;
  /** Requests read so far. */
  received: number;
  close(): Promise<void>;
}

/** Every Count reply carries `replyBytes` characters; Collect pauses for a moment every `pauseEvery` requests. */
export async function startFlowServer(
  options: { replyBytes?: number; pauseEvery?: number } = {},
): Promise<FlowServer> {
  const reply = 'x'.repeat(options.replyBytes ?? 1024);
  const pauseEvery = options.pauseEvery ?? 500;
  const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
    test: { v1: GrpcObject };
  };
  const service = (proto.test.v1.EchoService as ServiceClientConstructor).service;
  const server = new Server();
  const state = { written: 0, refusedWrites: 0, cancelled: 0, received: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const notServed = (): void => undefined;
  server.addService(service, {
    Echo: notServed,
    Slow: notServed,
    Chat: notServed,
    Count(call: ServerWritableStream<{ count: number }, { message: string }>) {
      let sent = 0;
      call.on('cancelled', () => state.cancelled++);
      const writeSome = (): void => {
        while (sent < call.request.count && !call.cancelled) {
          sent++;
          state.written++;
          if (!call.write({ message: reply })) {
            state.refusedWrites++;
            call.once('drain', writeSome);
            return;
          }
        }
        if (!call.cancelled) call.end();
      };
      writeSome();
    },
    Collect(
      call: ServerReadableStream<{ message: string }, { message: string }>,
      callback: sendUnaryData<{ message: string }>,
    ) {
      let count = 0;
      call.on('data', () => {
        count++;
        state.received++;
        // A slow reader: a short break now and then, while the client keeps producing.
        if (count % pauseEvery === 0) {
          call.pause();
          const timer = setTimeout(() => {
            timers.delete(timer);
            call.resume();
          }, 2);
          timers.add(timer);
        }
      });
      call.on('end', () => callback(null, { message: String(count) }));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return Object.assign(state, {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.tryShutdown(() => resolve());
        // Streams the test left open must not hold the shutdown.
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  });
}
