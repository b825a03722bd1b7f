import { connect, constants } from 'node:http2';

/** How a raw gRPC call ended, as the server sent it. */
export interface RawCallEnd {
  /** `grpc-status` as sent (a string on the wire); undefined when none came (the client reset the stream). */
  grpcStatus: string | undefined;
}

/** A raw gRPC call in progress. */
export interface RawCall {
  /** Settles once the stream has closed, whoever closed it. */
  ended: Promise<RawCallEnd>;
  /** Resets the stream with CANCEL, as a grpc-js client does when it cancels or its deadline passes. */
  cancel(): void;
}

/** An empty protobuf message as one gRPC length-prefixed frame: uncompressed, 0 bytes long. */
const EMPTY_MESSAGE_FRAME = Buffer.alloc(5);

/**
 * A unary gRPC call with an empty request over plain `node:http2`, carrying
 * `grpc-timeout: <timeoutMs>m`. Unlike a grpc-js client, it never resets the
 * stream by itself: the server's own deadline ends it, or the test's
 * `cancel()`, exactly when the test decides. Its connection closes when the
 * call ends.
 */
export function startRawUnaryCall(address: string, path: string, timeoutMs: number): RawCall {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined);
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: path,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    te: 'trailers',
    'grpc-timeout': `${timeoutMs}m`,
  });
  let grpcStatus: string | undefined;
  const readStatus = (headers: Record<string, unknown>): void => {
    const value = headers['grpc-status'];
    if (value !== undefined) grpcStatus = String(value);
  };
  // A trailers-only answer carries grpc-status in its headers; any other, in its trailers.
  stream.on('response', readStatus);
  stream.on('trailers', readStatus);
  stream.on('data', () => undefined);
  stream.on('error', () => undefined);
  const ended = new Promise<RawCallEnd>((resolve) =>
    stream.on('close', () => {
      session.destroy();
      resolve({ grpcStatus });
    }),
  );
  stream.end(EMPTY_MESSAGE_FRAME);
  return { ended, cancel: () => stream.close(constants.NGHTTP2_CANCEL) };
}
