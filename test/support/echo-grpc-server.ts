import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ECHO_PROTO } from './protos.js';

const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};
const echoService = (proto.test.v1.EchoService as ServiceClientConstructor).service;

/**
 * A real grpc-js server on 127.0.0.1 (a free port) whose EchoService methods
 * are `handlers`, for a backend that answers in one particular way; the
 * caller shuts `server` down.
 */
export async function serveEcho(
  handlers: UntypedServiceImplementation,
): Promise<{ server: Server; address: string }> {
  const server = new Server();
  server.addService(echoService, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, address: `127.0.0.1:${port}` };
}
