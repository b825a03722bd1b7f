/**
 * The fleet bench's backends, in their own process: one grpc-js server per
 * address 127.0.0.2 ... 127.0.0.(count+1), all on one port, as pods behind a
 * headless service. Each counts its calls and the client connections
 * (peers) it served. Asked over IPC (`'sample'`), it answers each backend's
 * counts since the last sample and resets them.
 */
import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServerUnaryCall,
  type ServiceClientConstructor,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { BENCH_PROTO } from './bench-proto.js';

const COUNT = Number(process.env.FLEET_BACKENDS ?? 50);
const proto = loadPackageDefinition(loadSync(BENCH_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};
const service = (proto.test.v1.EchoService as ServiceClientConstructor).service;

interface Tally {
  calls: number;
  peers: Set<string>;
}

async function main(): Promise<void> {
  const tallies: Tally[] = [];
  const servers: Server[] = [];
  let port = 0;
  for (let i = 0; i < COUNT; i++) {
    const tally: Tally = { calls: 0, peers: new Set() };
    const server = new Server();
    server.addService(service, {
      Echo(call: ServerUnaryCall<{ message: string }, object>, callback: sendUnaryData<object>) {
        tally.calls++;
        tally.peers.add(call.getPeer());
        callback(null, { message: call.request.message });
      },
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.${i + 2}:${port}`, ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    tallies.push(tally);
    servers.push(server);
  }
  process.on('message', (message) => {
    if (message !== 'sample') return;
    process.send!(tallies.map((t) => ({ calls: t.calls, connections: t.peers.size })));
    for (const tally of tallies) {
      tally.calls = 0;
      tally.peers.clear();
    }
  });
  process.on('disconnect', () => {
    for (const server of servers) server.forceShutdown();
  });
  process.send!({ port });
}

void main();
