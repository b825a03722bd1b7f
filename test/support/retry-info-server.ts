import { status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { grpcStatusError } from '../../lib/index.js';
import { serveEcho } from './echo-grpc-server.js';

/** A backend whose every Echo asks the client to come back later. */
export interface RetryInfoServer {
  address: string;
  close(): Promise<void>;
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/** A protobuf varint of a 64-bit integer; a negative one as its two's complement, in 10 bytes. */
function varint(value: bigint): number[] {
  let rest = BigInt.asUintN(64, value);
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return bytes;
}

/**
 * A `google.rpc.RetryInfo` encoded by hand, with `retry_delay` seconds (int64)
 * and nanos (int32) exactly as given: values a JS number cannot hold, and
 * ones a Duration must never carry (negative, nanos out of range).
 */
function retryInfoBytes(seconds: bigint, nanos: bigint): Uint8Array {
  const duration = [0x08, ...varint(seconds), 0x10, ...varint(nanos)];
  return Uint8Array.from([0x0a, duration.length, ...duration]);
}

/**
 * A grpc-js server whose Echo fails RESOURCE_EXHAUSTED with a `RetryInfo`
 * whose delay is the request's message, `<seconds>:<nanos>`, sent verbatim.
 */
export async function startRetryInfoServer(): Promise<RetryInfoServer> {
  const { server, address } = await serveEcho({
    Echo: (call: ServerUnaryCall<{ message: string }, object>, callback: sendUnaryData<object>) => {
      const [seconds, nanos] = call.request.message.split(':').map(BigInt);
      callback(
        grpcStatusError({
          code: status.RESOURCE_EXHAUSTED,
          message: 'slow down',
          details: [{ '@type': RETRY_INFO, value: retryInfoBytes(seconds, nanos) }],
        }),
      );
    },
  });
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  };
}
