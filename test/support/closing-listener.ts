import { createServer, type Socket } from 'node:net';

/**
 * A TCP listener that accepts each connection and destroys it at once, as a
 * port whose process is gone but whose socket still accepts: every connect
 * attempt a client makes is counted here, and none ever gets HTTP/2.
 */
export interface ClosingListener {
  address: string;
  /** Connections accepted (and destroyed) so far: the client's connect attempts. */
  connections: number;
  close(): Promise<void>;
}

export async function startClosingListener(): Promise<ClosingListener> {
  const state = { connections: 0 };
  const server = createServer((socket: Socket) => {
    state.connections++;
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
