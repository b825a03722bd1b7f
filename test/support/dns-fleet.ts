import { Logger } from '@nestjs/common';
import { startEchoServer, type EchoServer } from './echo-server.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// A fleet behind one DNS name, as a Kubernetes headless service gives it:
// backends on 127.0.0.2, 127.0.0.3, ... (Linux routes the whole 127/8 to
// loopback), all on one port. Each backend is an echo server behind a TCP
// proxy on its address, so a test sees the calls each one serves and the
// connections open to it, and can kill one by closing its proxy.

export interface FleetBackend {
  ip: string;
  server: EchoServer;
  proxy: TcpProxy;
}

/** `size` backends on 127.0.0.`first` onwards, all on `port` (default: a free one). */
export async function startFleet(size: number, first = 2, port = 0): Promise<FleetBackend[]> {
  const fleet: FleetBackend[] = [];
  for (let i = 0; i < size; i++) {
    const ip = `127.0.0.${i + first}`;
    const server = await startEchoServer();
    const proxy = await startTcpProxy(server.address, { host: ip, port });
    port = Number(proxy.address.split(':')[1]);
    fleet.push({ ip, server, proxy });
  }
  return fleet;
}

/** The port every backend of the fleet listens on. */
export const portOf = (fleet: FleetBackend[]): number =>
  Number(fleet[0].proxy.address.split(':')[1]);

/** Everything the fleet runs, to close. */
export const fleetParts = (fleet: FleetBackend[]): { close(): Promise<void> }[] =>
  fleet.flatMap((b) => [b.proxy, b.server]);

/** Nest's log and warning lines, recorded while `record()` is on. */
export function recordLogs(): { logs: string[]; warnings: string[]; record(): void; stop(): void } {
  const logs: string[] = [];
  const warnings: string[] = [];
  return {
    logs,
    warnings,
    record: () =>
      Logger.overrideLogger({
        log: (message: string) => logs.push(message),
        error: () => undefined,
        warn: (message: string) => warnings.push(message),
      }),
    stop: () => Logger.overrideLogger(false),
  };
}
