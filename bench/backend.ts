/**
 * The benchmark's backend, run in its own process so it does not share an
 * event loop with the clients: a grpc-js server announcing 100 concurrent
 * streams per connection (as common proxies do). `Slow` answers after
 * `delayMs`; `Echo` answers at once. Prints its port, then serves until killed.
 */
import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
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

server.addService(service, {
  Echo: (call: { request: { message: string } }, callback: (e: null, r: object) => void) =>
    callback(null, { message: call.request.message }),
  Slow: (call: { request: { delayMs: number } }, callback: (e: null, r: object) => void) => {
    setTimeout(() => callback(null, { message: 'slow' }), call.request.delayMs);
  },
});

const host = process.env.HOST ?? '127.0.0.1';
server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
