import { createServer, type Socket } from 'node:net';

/** A TCP listener that counts the connections it accepts and never speaks HTTP/2. */
export interface CountingListener {
  address: string;
  /** Connections accepted so far. */
  connections: number;
  /** Stops listening and destroys the connections still open. */
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (port 0: a free one) and hands each connection it
 * accepts to `onConnection`, which decides what the client meets: a socket
 * held open, one destroyed at once.
 */
export async function startCountingListener(
  onConnection: (socket: Socket) => void,
  host = '127.0.0.1',
  port = 0,
): Promise<CountingListener> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    address: `${host}:${bound}`,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
