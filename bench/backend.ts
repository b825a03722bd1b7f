/**
 * The benchmark's backend, run in its own process so it does not share an
 * event loop with the clients: a grpc-js server announcing 100 concurrent
 * streams per connection (as common proxies do). `Slow` answers after
 * `delayMs`; `Echo` answers at once (with the status `failWith` when set);
 * `Count` streams `count` replies, `intervalMs` apart after the first; `Chat` echoes. Prints
 * its port, then serves until killed.
 */
import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type ServerDuplexStream,
  type ServerWritableStream,
  type ServiceClientConstructor,
  type GrpcObject,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { BENCH_PROTO } from './bench-proto.js';

const proto = loadPackageDefinition(loadSync(BENCH_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};
const service = (proto.test.v1.EchoService as ServiceClientConstructor).service;
const server = new Server({
  'grpc.max_concurrent_streams': Number(process.env.MAX_STREAMS ?? 100),
});

type Callback = (e: { code: number; details: string } | null, r?: object) => void;

/** Streams `count` replies; a cancelled call (the soak's `cancelled` mode) stops its timer. */
function count(call: ServerWritableStream<{ count: number; intervalMs: number }, object>): void {
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    if (call.cancelled) return;
    if (sent >= call.request.count) {
      call.end();
      return;
    }
    call.write({ message: String(sent++) });
    if (call.request.intervalMs > 0) timer = setTimeout(tick, call.request.intervalMs);
    else tick();
  };
  call.on('cancelled', () => clearTimeout(timer));
  tick();
}

server.addService(service, {
  Echo: (call: { request: { message: string; failWith: number } }, callback: Callback) =>
    call.request.failWith
      ? callback({ code: call.request.failWith, details: 'failed on purpose' })
      : callback(null, { message: call.request.message }),
  Slow: (call: { request: { delayMs: number } }, callback: Callback) => {
    setTimeout(() => callback(null, { message: 'slow' }), call.request.delayMs);
  },
  Count: count,
  // Echoes every message of a bidi stream, as fast as the stream takes them.
  Chat: (call: ServerDuplexStream<{ message: string }, object>) => {
    call.on('data', (request: { message: string }) => call.write({ message: request.message }));
    call.on('end', () => call.end());
  },
});

const host = process.env.HOST ?? '127.0.0.1';
server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
