import {
  credentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestMicroservice } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';
import { compileEchoPoolModule, type EchoPoolModuleSetup } from './echo-pool-module.js';
import { startEchoServer, type EchoServer } from './echo-server.js';
import { freePort } from './free-port.js';
import { ECHO_PACKAGE, ECHO_PROTO } from './protos.js';

/** A Nest gRPC microservice serving the echo proto, whose pool 'ECHO' calls an echo backend. */
export interface EchoMicroservice {
  backend: EchoServer;
  microservice: INestMicroservice;
  /** Where the microservice listens, `127.0.0.1:<port>`. */
  address: string;
  /** Calls the microservice's `OtherService/Ping` with a plain grpc-js client; resolves with its error. */
  pingFailure(message: string): Promise<ServiceError>;
  close(): Promise<void>;
}

const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};
const OtherService = proto.test.v1.OtherService as ServiceClientConstructor;

export async function startEchoMicroservice(
  setup: EchoPoolModuleSetup & {
    /** Runs before listen, e.g. to add global filters. */
    configure?: (microservice: INestMicroservice) => void;
  },
): Promise<EchoMicroservice> {
  const backend = await startEchoServer();
  let microservice: INestMicroservice | undefined;
  try {
    const address = `127.0.0.1:${await freePort()}`;
    const moduleRef = await compileEchoPoolModule(backend.address, setup);
    microservice = moduleRef.createNestMicroservice({
      transport: Transport.GRPC,
      options: { url: address, package: ECHO_PACKAGE, protoPath: ECHO_PROTO },
      logger: false,
    });
    setup.configure?.(microservice);
    await microservice.listen();
    const started = microservice;
    return {
      backend,
      microservice: started,
      address,
      pingFailure: async (message) => {
        const client = new OtherService(address, credentials.createInsecure());
        try {
          return await new Promise<ServiceError>((resolve, reject) =>
            client.Ping({ message }, (error: ServiceError | null) =>
              error ? resolve(error) : reject(new Error('expected the call to fail')),
            ),
          );
        } finally {
          client.close();
        }
      },
      // The backend closes even if the microservice fails to: nothing is left to keep Jest running.
      close: async () => {
        try {
          await started.close();
        } finally {
          await backend.close();
        }
      },
    };
  } catch (error: unknown) {
    // A start-up that failed half-way leaves nothing open behind it.
    await microservice?.close().catch(() => undefined);
    await backend.close();
    throw error;
  }
}
