import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a backend that can black-hole its live
 * connections: bytes stop flowing both ways but no FIN or RST is sent, as
 * when a NAT or a load balancer silently drops a connection.
 */
export interface TcpProxy {
  address: string;
  /** Connections accepted so far. */
  connections: number;
  /** Connections open now. */
  live: number;
  /** Bytes passed from clients to the backend so far. */
  bytesToBackend: number;
  /** From now on, live connections pass nothing (new ones still work). */
  blackHoleLiveConnections(): void;
  /**
   * The backend dies as a client sees a SIGKILL: every live connection is
   * reset (RST) and the port refuses new ones. Resolves once it refuses.
   */
  down(): Promise<void>;
  /** The backend serves again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** `listen`: where the proxy listens (default 127.0.0.1 on any free port). */
export async function startTcpProxy(
  backend: string,
  listen: { host?: string; port?: number } = {},
): Promise<TcpProxy> {
  const [host, port] = [
    backend.slice(0, backend.lastIndexOf(':')),
    backend.slice(backend.lastIndexOf(':') + 1),
  ];
  const pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  const state = { connections: 0, bytesToBackend: 0 };
  const server = createServer((client) => {
    state.connections++;
    const upstream = connect(Number(port), host);
    const pair = { client, upstream, dead: false };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.dead) return;
      state.bytesToBackend += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => pair.dead || client.write(chunk));
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      // A black-holed connection never forwards its close either.
      socket.on('close', () => pair.dead || end());
    }
  });
  const listenHost = listen.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, listenHost, resolve);
  });
  const { port: proxyPort } = server.address() as { port: number };
  return {
    address: `${listenHost}:${proxyPort}`,
    get connections() {
      return state.connections;
    },
    get live() {
      return pairs.size;
    },
    get bytesToBackend() {
      return state.bytesToBackend;
    },
    blackHoleLiveConnections: () => {
      for (const pair of pairs) pair.dead = true;
    },
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const pair of pairs) {
          pair.client.resetAndDestroy();
          pair.upstream.destroy();
        }
        pairs.clear();
      }),
    up: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(proxyPort, listenHost, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        pairs.clear();
        // Already closed by down(): nothing to wait for.
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
