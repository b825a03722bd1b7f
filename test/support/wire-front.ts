import {
  connect,
  constants,
  createServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';

/**
 * A raw `node:http2` front for a grpc-js server, for what a grpc-js server cannot send. A call
 * passes through to the backend unless its metadata asks the front to act on it:
 * - `x-wire-status: <text>`: answer at once, trailers-only, with that `grpc-status` verbatim
 *   (`50000000`, `-1`, `abc`, `2.5`: what a buggy or hostile backend can send);
 * - `x-wire-reset: 1`: reset the stream (RST_STREAM INTERNAL_ERROR) without answering;
 * - `x-wire-hold: until-release`: pass it on only at `release()`;
 * - `x-wire-hold: forever`: never pass it on; only the client's deadline, cancel or a closed
 *   connection ends it.
 */
export interface WireFront {
  address: string;
  /** Calls held now (both kinds). */
  readonly held: number;
  /** Passes on every call held `until-release` now (later ones wait for the next release). */
  release(): void;
  /** Passes on every call held `until-release`, now and from now on (the end of a run). */
  stopHolding(): void;
  close(): Promise<void>;
}

export const WIRE_STATUS = 'x-wire-status';
export const WIRE_RESET = 'x-wire-reset';
export const WIRE_HOLD = 'x-wire-hold';

/** Headers HTTP/2 forbids a proxy to copy, and the front's own. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  WIRE_STATUS,
  WIRE_RESET,
  WIRE_HOLD,
]);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!NOT_FORWARDED.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

function pass(
  backend: ClientHttp2Session,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
): void {
  if (stream.destroyed || stream.closed) return;
  const upstream = backend.request(forwardable(headers));
  upstream.on('error', () => undefined);
  stream.on('error', () => undefined);
  let trailers: OutgoingHttpHeaders = {};
  upstream.on('response', (responseHeaders, flags) => {
    if (stream.destroyed) return;
    // A trailers-only answer (an error before any message) ends with its headers.
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
      stream.respond(forwardable(responseHeaders), { endStream: true });
      return;
    }
    stream.respond(forwardable(responseHeaders), { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    upstream.pipe(stream);
  });
  upstream.on('trailers', (received) => {
    trailers = forwardable(received);
  });
  stream.pipe(upstream);
  // A cancel (or deadline) on either side reaches the other, as through a real proxy.
  upstream.on('close', () => {
    if (!stream.closed && upstream.rstCode !== constants.NGHTTP2_NO_ERROR)
      stream.close(upstream.rstCode);
  });
  stream.on('close', () => {
    if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
  });
}

export async function startWireFront(backendAddress: string): Promise<WireFront> {
  const backend = connect(`http://${backendAddress}`);
  backend.on('error', () => undefined);
  const untilRelease = new Set<() => void>();
  let holding = true;
  const forever = new Set<ServerHttp2Stream>();
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  const server = createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const status = headers[WIRE_STATUS];
    if (typeof status === 'string') {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': status,
          'grpc-message': 'odd',
        },
        { endStream: true },
      );
      return;
    }
    if (headers[WIRE_RESET] !== undefined) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const hold = headers[WIRE_HOLD];
    if (hold === 'forever') {
      forever.add(stream);
      stream.resume();
      stream.on('close', () => forever.delete(stream));
      return;
    }
    if (hold === 'until-release' && holding) {
      const go = (): void => pass(backend, stream, headers);
      untilRelease.add(go);
      stream.on('close', () => untilRelease.delete(go));
      return;
    }
    pass(backend, stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    get held() {
      return untilRelease.size + forever.size;
    },
    release: () => {
      const waiting = [...untilRelease];
      untilRelease.clear();
      for (const go of waiting) go();
    },
    stopHolding: () => {
      holding = false;
      const waiting = [...untilRelease];
      untilRelease.clear();
      for (const go of waiting) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        untilRelease.clear();
        for (const stream of forever) stream.close(constants.NGHTTP2_CANCEL);
        for (const session of sessions) session.destroy();
        backend.destroy();
        server.close(() => resolve());
      }),
  };
}
