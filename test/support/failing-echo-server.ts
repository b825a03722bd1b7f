import {
  Metadata,
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type StatusObject,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ECHO_PROTO } from './protos.js';

interface EchoReply {
  message: string;
}

/** How each call of the failing server behaves: the first `failAttempts` calls fail, later ones serve. */
export interface FailingBehaviour {
  /** The status the failing calls end with. */
  code: number;
  /** How many calls fail (Infinity: all). */
  failAttempts: number;
  /** Response messages a failing stream sends before its status (0: it fails before the first). */
  messagesBeforeFailure: number;
  /** Response messages a serving stream sends (Count and Chat). */
  messages: number;
}

/** A real grpc-js server for the EchoService whose four methods fail on demand. */
export interface FailingEchoServer {
  address: string;
  /** Calls that reached a handler, all methods together. */
  calls: number;
  behave(behaviour: Partial<FailingBehaviour>): void;
  close(): Promise<void>;
}

const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
  test: { v1: GrpcObject };
};
const echoService = (proto.test.v1.EchoService as ServiceClientConstructor).service;

export async function startFailingEchoServer(): Promise<FailingEchoServer> {
  const server = new Server();
  let behaviour: FailingBehaviour = {
    code: 14,
    failAttempts: Infinity,
    messagesBeforeFailure: 0,
    messages: 3,
  };
  let calls = 0;
  /** Whether this call fails, counted once per call that reaches a handler. */
  const failsNow = (): boolean => ++calls <= behaviour.failAttempts;
  const failure = (): Partial<StatusObject> => ({
    code: behaviour.code,
    details: 'failing on purpose',
    metadata: new Metadata(),
  });
  const stream = (call: ServerWritableStream<unknown, EchoReply>, fails: boolean): void => {
    const count = fails ? behaviour.messagesBeforeFailure : behaviour.messages;
    for (let i = 0; i < count; i++) call.write({ message: String(i) });
    if (fails) call.emit('error', failure());
    else call.end();
  };
  const single =
    (fails: boolean, callback: sendUnaryData<EchoReply>): (() => void) =>
    () =>
      fails ? callback(failure()) : callback(null, { message: 'ok' });

  server.addService(echoService, {
    Echo(_call: ServerUnaryCall<unknown, EchoReply>, callback: sendUnaryData<EchoReply>) {
      single(failsNow(), callback)();
    },
    Slow(_call: ServerUnaryCall<unknown, EchoReply>, callback: sendUnaryData<EchoReply>) {
      single(failsNow(), callback)();
    },
    Count(call: ServerWritableStream<unknown, EchoReply>) {
      stream(call, failsNow());
    },
    Collect(call: ServerReadableStream<unknown, EchoReply>, callback: sendUnaryData<EchoReply>) {
      const fails = failsNow();
      if (fails) return single(true, callback)();
      call.on('data', () => undefined);
      call.on('end', single(false, callback));
    },
    Chat(call: ServerDuplexStream<unknown, EchoReply>) {
      const fails = failsNow();
      if (fails) return stream(call, true);
      call.on('data', () => undefined);
      call.on('end', () => stream(call, false));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    behave(changes) {
      behaviour = { ...behaviour, ...changes };
      calls = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
