import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  status,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ECHO_PROTO } from './protos.js';

/**
 * A backend whose connections stay healthy while its answers fail in a mix:
 * half its Echo calls get UNAVAILABLE, the other half NOT_FOUND (an app that
 * is half overloaded, or a proxy in front of a missing route), in runs of
 * `RUN` calls: strict alternation would never fail 5 calls in a row on one
 * connection, real mixes do. `recover()` makes every call succeed.
 */
export interface MixedFailureServer {
  address: string;
  /** Distinct client connections (remote address:port) that made a call. */
  peers: Set<string>;
  calls: number;
  /** Answer every call OK from now on (true), or fail in the mix again (false). */
  recover(healthy: boolean): void;
  close(): Promise<void>;
}

const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};
/** Calls in a row answered with the same code. */
const RUN = 8;
const echoService = (proto.test.v1.EchoService as ServiceClientConstructor).service;

export async function startMixedFailureServer(): Promise<MixedFailureServer> {
  const server = new Server();
  let healthy = false;
  const state = { peers: new Set<string>(), calls: 0 };
  server.addService(echoService, {
    Echo(call: ServerUnaryCall<{ message: string }, object>, callback: sendUnaryData<object>) {
      state.peers.add(call.getPeer());
      state.calls++;
      if (healthy) return callback(null, { message: call.request.message });
      const code = Math.floor(state.calls / RUN) % 2 === 0 ? status.UNAVAILABLE : status.NOT_FOUND;
      callback({ code, details: `mixed failure ${status[code]}` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    get peers() {
      return state.peers;
    },
    get calls() {
      return state.calls;
    },
    recover: (value) => (healthy = value),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  };
}
