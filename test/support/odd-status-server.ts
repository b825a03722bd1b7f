import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';

/** The request header that tells the server which `grpc-status` trailer to send. */
export const ODD_STATUS_HEADER = 'x-odd-status';
/** The `grpc-message` every answer carries, so a test can see the details survive. */
export const ODD_STATUS_MESSAGE = 'odd answer';
/** Responses a streaming answer sends before its status. */
export const ODD_STREAM_RESPONSES = 2;

/**
 * A raw HTTP/2 backend that answers any gRPC call with the `grpc-status`
 * trailer named in the call's `x-odd-status` header, verbatim: what a buggy
 * or hostile backend can send (`50000000`, `-1`, `abc`, `2.5`), which a
 * grpc-js server never would. It reads the whole request first, answers
 * streaming methods (`Count`, `Chat`) with two `EchoReply`s, single-response
 * methods with none, then sends the trailers.
 */
export interface OddStatusServer {
  address: string;
  /** Calls answered so far. */
  answered: number;
  close(): Promise<void>;
}

export async function startOddStatusServer(): Promise<OddStatusServer> {
  const server: Http2Server = createServer();
  const sockets = new Set<Socket>();
  const state = { answered: 0 };
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    // The request is read to its end, so the answer is a complete call, not a reset.
    stream.resume();
    stream.on('end', () => {
      state.answered++;
      answer(stream, headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    get answered() {
      return state.answered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function answer(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  if (stream.destroyed) return;
  const grpcStatus = String(headers[ODD_STATUS_HEADER] ?? '2');
  const path = String(headers[constants.HTTP2_HEADER_PATH] ?? '');
  stream.respond(
    { [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc+proto' },
    { waitForTrailers: true },
  );
  stream.on('wantTrailers', () =>
    stream.sendTrailers({ 'grpc-status': grpcStatus, 'grpc-message': ODD_STATUS_MESSAGE }),
  );
  if (path.endsWith('/Count') || path.endsWith('/Chat')) {
    for (let i = 0; i < ODD_STREAM_RESPONSES; i++) stream.write(echoReplyFrame(`reply ${i}`));
  }
  stream.end();
}

/** One length-prefixed gRPC message holding an `EchoReply { message }` (field 1, a short string). */
function echoReplyFrame(message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const body = Buffer.concat([Buffer.from([0x0a, text.length]), text]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}
