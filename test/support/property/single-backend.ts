import { startEchoServer, type EchoServer } from '../echo-server.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';
import { startWireFront, type WireFront } from '../wire-front.js';
import type { PropertyBackend } from './backend.js';

/**
 * The backend of a property run: a real grpc-js echo server behind the raw HTTP/2 front (odd
 * statuses, resets, holds), behind a TCP proxy that can die as a SIGKILLed process looks to a
 * client (connections reset, port refusing) and come back on the same port. The proxy keeps a
 * restart cheap enough for a run of 20 operations; test/support/echo-process.ts is the real
 * child process, for the tests about processes.
 */
export async function startSingleBackend(): Promise<PropertyBackend> {
  let server: EchoServer | undefined;
  let front: WireFront | undefined;
  let proxy: TcpProxy | undefined;
  try {
    server = await startEchoServer();
    front = await startWireFront(server.address);
    proxy = await startTcpProxy(front.address);
  } catch (error: unknown) {
    await Promise.all([proxy?.close(), front?.close(), server?.close()]);
    throw error;
  }
  const parts = { server, front, proxy };
  let isDown = false;
  return {
    target: parts.proxy.address,
    release: () => parts.front.release(),
    stopHolding: () => parts.front.stopHolding(),
    down: async () => {
      if (isDown) return;
      isDown = true;
      await parts.proxy.down();
    },
    up: async () => {
      if (!isDown) return;
      isDown = false;
      await parts.proxy.up();
    },
    serves: (address) => address === parts.proxy.address && !isDown,
    close: async () => {
      await parts.proxy.close();
      await parts.front.close();
      await parts.server.close();
    },
  };
}
