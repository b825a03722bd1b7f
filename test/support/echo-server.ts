import {
  Metadata,
  Server,
  ServerCredentials,
  loadPackageDefinition,
  status,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ECHO_PROTO, HEALTH_PROTO } from './protos.js';

interface EchoRequest {
  message: string;
  failWith: number;
  failTimes: number;
  key: string;
  pushbackMs: number;
}
interface SlowRequest {
  delayMs: number;
  message: string;
}
interface CountRequest {
  count: number;
  intervalMs: number;
  failWith: number;
}
interface EchoReply {
  message: string;
  peer: string;
  token?: string;
}

export interface EchoServerOptions {
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS the server announces per connection. */
  maxConcurrentStreams?: number;
  host?: string;
  /** A fixed port (to come up where a client already points); default 0, any free port. */
  port?: number;
  /** More grpc-js server options (e.g. what keepalive pings it accepts). */
  serverOptions?: Record<string, number>;
  /** Serve TLS with this certificate (PEM contents); with `ca`, require client certificates signed by it. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
}

/** A real grpc-js server on port 0 that records what the tests assert on. */
export interface EchoServer {
  address: string;
  port: number;
  /** Distinct client connections (remote address:port) seen. */
  peers: Set<string>;
  /** The `:authority` calls arrived with. */
  authorities: Set<string>;
  calls: number;
  /** Handlers running now, and the most ever at once. */
  active: number;
  maxActive: number;
  /**
   * Calls the client cancelled (or whose deadline passed) while the handler ran, before it
   * answered. An answered call never counts: grpc-js 1.14 also emits 'cancelled', with
   * `call.cancelled` set, after the trailers of a call that was answered.
   */
  cancelled: number;
  /** Attempts seen per request `key`. */
  attempts: Map<string, number>;
  /** The deadline each Slow call arrived with (epoch ms; Infinity when none). */
  slowDeadlines: number[];
  /**
   * The time each Slow call had left as its handler started (ms; Infinity when none): the
   * `grpc-timeout` it arrived with, less the server's own delay before the handler ran. grpc-js
   * strips the header itself, so this is the closest reading; load can only make it smaller.
   */
  slowTimeoutsMs: number[];
  /**
   * Slow calls that ended before the handler answered (the client's cancel or the deadline).
   * Unlike `cancelled`, an answered call never counts: grpc-js 1.14 also emits 'cancelled',
   * with `call.cancelled` set, after the trailers of a call that was answered.
   */
  slowCancelled: number;
  /** grpc.health.v1 Check calls answered. */
  healthChecks: number;
  /** The W3C `traceparent` each call arrived with, in order (undefined: none). */
  traceparents: (string | undefined)[];
  /** The metadata each Echo and Slow call arrived with, by its request's `message` (the last such call). */
  metadataOf: Map<string, Metadata>;
  /** What grpc.health.v1 answers for `service` ('' is the whole server; both start SERVING). */
  setHealth(service: string, servingStatus: HealthStatus): void;
  /** Answer every Echo with this status (e.g. UNAVAILABLE, as an overloaded server does); undefined: serve. */
  failEverything(code: number | undefined): void;
  /**
   * From now on, Slow calls wait before their delayMs starts, until the returned
   * `release()`: a test decides when they end, so no clock can end them early.
   */
  holdSlowCalls(): () => void;
  /**
   * From now on, Collect and Chat do not answer when their request stream ends, until the
   * returned `release()`. grpc-js 1.14 shows a server the client's cancel of a request stream
   * first as that stream's end (and `call.cancelled` only later): a handler that answered at
   * the end would count as finished, and its cancel would not count. While held, only a cancel
   * ends the call, so `cancelled` counts it, and a half-close alone does not.
   */
  holdRequestStreamEnds(): () => void;
  close(): Promise<void>;
}

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const definition = loadSync(ECHO_PROTO);
const healthProto = loadPackageDefinition(loadSync(HEALTH_PROTO)) as unknown as {
  grpc: { health: { v1: { Health: ServiceClientConstructor } } };
};
const healthService = healthProto.grpc.health.v1.Health.service;
const proto = loadPackageDefinition(definition) as unknown as { test: { v1: GrpcObject } };
const echoService = (proto.test.v1.EchoService as ServiceClientConstructor).service;
const otherService = (proto.test.v1.OtherService as ServiceClientConstructor).service;

function failure(
  code: number,
  details: string,
  trailers?: Metadata,
): Partial<import('@grpc/grpc-js').StatusObject> {
  const metadata = trailers?.clone() ?? new Metadata();
  metadata.set('x-failed-by', 'echo-server');
  return { code, details, metadata };
}

/**
 * The interop test `custom_metadata`: the server echoes the request's
 * `x-grpc-test-echo-initial` as a response header and its
 * `x-grpc-test-echo-trailing-bin` as a trailer. With `attempt` (Echo calls
 * with a `key`), both also say which attempt answered, `x-attempt`.
 */
function echoedMetadata(
  request: Metadata,
  attempt?: number,
): { headers: Metadata; trailers: Metadata } {
  const headers = new Metadata();
  const trailers = new Metadata();
  for (const value of request.get('x-grpc-test-echo-initial')) {
    headers.add('x-grpc-test-echo-initial', value);
  }
  for (const value of request.get('x-grpc-test-echo-trailing-bin')) {
    trailers.add('x-grpc-test-echo-trailing-bin', value);
  }
  if (attempt !== undefined) {
    headers.set('x-attempt', String(attempt));
    trailers.set('x-attempt', String(attempt));
  }
  return { headers, trailers };
}

export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const serverOptions = {
    ...(options.maxConcurrentStreams
      ? { 'grpc.max_concurrent_streams': options.maxConcurrentStreams }
      : {}),
    ...options.serverOptions,
  };
  const server = new Server(serverOptions);
  let failingWith: number | undefined;
  /** Slow calls waiting for release(), while a hold is on. */
  let held: Set<() => void> | undefined;
  /** Collect and Chat answers waiting for release(), while a hold of request-stream ends is on. */
  let heldEnds: Set<() => void> | undefined;
  /** Answers at the end of a request stream now, or at release() while held. */
  const atRequestEnd = (answer: () => void): void => {
    if (heldEnds === undefined) answer();
    else heldEnds.add(answer);
  };
  const health = new Map<string, HealthStatus>([
    ['', 'SERVING'],
    ['test.v1.EchoService', 'SERVING'],
  ]);
  const state: Omit<
    EchoServer,
    | 'close'
    | 'address'
    | 'port'
    | 'setHealth'
    | 'failEverything'
    | 'holdSlowCalls'
    | 'holdRequestStreamEnds'
  > = {
    peers: new Set(),
    authorities: new Set(),
    calls: 0,
    active: 0,
    maxActive: 0,
    cancelled: 0,
    attempts: new Map(),
    slowDeadlines: [],
    slowTimeoutsMs: [],
    slowCancelled: 0,
    healthChecks: 0,
    traceparents: [],
    metadataOf: new Map(),
  };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  /** Counts a call in; the returned functions end it once, as finished or as cancelled by the client. */
  const enter = (call: {
    getPeer(): string;
    getHost(): string;
    metadata: Metadata;
    cancelled: boolean;
    on(event: 'cancelled', fn: () => void): unknown;
  }) => {
    state.calls++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    const peer = call.getPeer();
    state.peers.add(peer);
    state.authorities.add(call.getHost());
    const token = call.metadata.get('authorization')[0];
    const traceparent = call.metadata.get('traceparent')[0];
    state.traceparents.push(traceparent === undefined ? undefined : String(traceparent));
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      state.active--;
    };
    // grpc-js 1.14 also emits 'cancelled', with `call.cancelled` set, when the stream of a call
    // already answered closes: only a cancel that comes before the handler finished counts.
    const onCancel = (fn: () => void = () => undefined): void => {
      call.on('cancelled', () => {
        if (!call.cancelled || ended) return;
        state.cancelled++;
        finish();
        fn();
      });
    };
    return { peer, token: token === undefined ? undefined : String(token), finish, onCancel };
  };

  server.addService(echoService, {
    Echo(call: ServerUnaryCall<EchoRequest, EchoReply>, callback: sendUnaryData<EchoReply>) {
      const { peer, token, finish } = enter(call);
      finish();
      state.metadataOf.set(call.request.message, call.metadata);
      if (failingWith !== undefined) return callback(failure(failingWith, 'failing everything'));
      const { failWith, failTimes, key, pushbackMs, message } = call.request;
      const attempt = (state.attempts.get(key) ?? 0) + 1;
      state.attempts.set(key, attempt);
      const { headers, trailers } = echoedMetadata(call.metadata, key ? attempt : undefined);
      call.sendMetadata(headers);
      if (failWith && (!failTimes || attempt <= failTimes)) {
        const error = failure(failWith, `failed on purpose: ${message}`, trailers);
        if (pushbackMs) error.metadata!.set('grpc-retry-pushback-ms', String(pushbackMs));
        return callback(error);
      }
      callback(null, { message: call.request.message, peer, token }, trailers);
    },
    Slow(call: ServerUnaryCall<SlowRequest, EchoReply>, callback: sendUnaryData<EchoReply>) {
      const { peer, finish, onCancel } = enter(call);
      state.metadataOf.set(call.request.message, call.metadata);
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
      state.slowDeadlines.push(deadlineMs);
      state.slowTimeoutsMs.push(deadlineMs - Date.now());
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      const start = (): void => {
        timer = later(call.request.delayMs, () => {
          answered = true;
          finish();
          callback(null, { message: call.request.message, peer });
        });
      };
      if (held === undefined) start();
      else held.add(start);
      onCancel(() => {
        held?.delete(start);
        if (!answered) state.slowCancelled++;
        clearTimeout(timer);
        if (timer !== undefined) timers.delete(timer);
      });
    },
    Count(call: ServerWritableStream<CountRequest, EchoReply>) {
      const { peer, finish, onCancel } = enter(call);
      const { headers, trailers } = echoedMetadata(call.metadata);
      call.sendMetadata(headers);
      let sent = 0;
      const tick = (): void => {
        if (call.cancelled) return;
        if (sent >= call.request.count) {
          finish();
          const { failWith } = call.request;
          if (failWith) call.emit('error', failure(failWith, `failed after ${sent}`, trailers));
          else call.end(trailers);
          return;
        }
        call.write({ message: String(sent++), peer });
        later(call.request.intervalMs, tick);
      };
      onCancel();
      tick();
    },
    Collect(
      call: ServerReadableStream<EchoRequest, EchoReply>,
      callback: sendUnaryData<EchoReply>,
    ) {
      const { peer, finish, onCancel } = enter(call);
      const { headers, trailers } = echoedMetadata(call.metadata);
      call.sendMetadata(headers);
      const messages: string[] = [];
      let failWith = 0;
      call.on('data', (request: EchoRequest) => {
        messages.push(request.message);
        failWith ||= request.failWith;
      });
      // A cancelled request stream also ends, just before 'cancelled': let that come first.
      call.on('end', () =>
        setImmediate(() =>
          atRequestEnd(() => {
            if (call.cancelled) return;
            finish();
            if (failWith) return callback(failure(failWith, 'a request asked to fail', trailers));
            callback(null, { message: messages.join(','), peer }, trailers);
          }),
        ),
      );
      onCancel();
    },
    Chat(call: ServerDuplexStream<EchoRequest, EchoReply>) {
      const { peer, finish, onCancel } = enter(call);
      const { headers, trailers } = echoedMetadata(call.metadata);
      call.sendMetadata(headers);
      let failed = false;
      call.on('data', (request: EchoRequest) => {
        if (failed) return;
        if (!request.failWith) {
          call.write({ message: `echo:${request.message}`, peer });
          return;
        }
        failed = true;
        finish();
        call.emit('error', failure(request.failWith, 'a request asked to fail', trailers));
      });
      call.on('end', () =>
        setImmediate(() =>
          atRequestEnd(() => {
            if (call.cancelled || failed) return;
            finish();
            call.end(trailers);
          }),
        ),
      );
      onCancel();
    },
  });
  server.addService(otherService, {
    Ping(call: ServerUnaryCall<EchoRequest, EchoReply>, callback: sendUnaryData<EchoReply>) {
      const { peer, finish } = enter(call);
      finish();
      callback(null, { message: `pong:${call.request.message}`, peer });
    },
  });

  server.addService(healthService, {
    Check(
      call: ServerUnaryCall<{ service?: string }, { status: HealthStatus }>,
      callback: sendUnaryData<{ status: HealthStatus }>,
    ) {
      state.healthChecks++;
      state.peers.add(call.getPeer());
      // proto3 leaves an empty string off the wire, and the loader leaves it undefined.
      const service = call.request.service ?? '';
      const servingStatus = health.get(service);
      if (servingStatus === undefined) {
        return callback({ code: status.NOT_FOUND, details: `unknown service ${service}` });
      }
      callback(null, { status: servingStatus });
    },
  });

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${host}:${options.port ?? 0}`,
      options.tls
        ? ServerCredentials.createSsl(
            options.tls.ca ?? null,
            [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
            options.tls.ca !== undefined,
          )
        : ServerCredentials.createInsecure(),
      (error, boundPort) => (error ? reject(error) : resolve(boundPort)),
    ),
  );
  const echo = state as EchoServer;
  echo.address = `${host}:${port}`;
  echo.port = port;
  echo.setHealth = (service, servingStatus) => health.set(service, servingStatus);
  echo.failEverything = (code) => (failingWith = code);
  echo.holdSlowCalls = () => {
    const hold = new Set<() => void>();
    held = hold;
    return () => {
      if (held === hold) held = undefined;
      for (const start of hold) start();
      hold.clear();
    };
  };
  echo.holdRequestStreamEnds = () => {
    const hold = new Set<() => void>();
    heldEnds = hold;
    return () => {
      if (heldEnds === hold) heldEnds = undefined;
      for (const answer of hold) answer();
      hold.clear();
    };
  };
  echo.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.tryShutdown(() => resolve());
      // Calls the test left open must not hold the shutdown.
      setTimeout(() => server.forceShutdown(), 200).unref();
    });
  return echo;
}

export { status };
