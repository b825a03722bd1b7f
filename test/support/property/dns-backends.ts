import { startTestDnsServer, type TestDnsServer } from '../dns-server.js';
import { startEchoServer, type EchoServer } from '../echo-server.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';
import { startWireFront, type WireFront } from '../wire-front.js';
import type { PropertyBackend } from './backend.js';

/** Backends on 127.0.0.2 .. 127.0.0.4 (Linux routes all of 127/8 to loopback). */
export const FLEET_SIZE = 3;
/** An address in the fleet's range where nothing listens: connections are refused. */
const DEAD_IP = '127.0.0.9';
const NAME = 'property-fleet.test';

/**
 * A fleet behind one DNS name, each backend as single-backend.ts builds one (echo server, raw
 * front, TCP proxy, here on its own 127.0.0.x and the fleet's one port), and a real DNS server
 * whose answer the run moves.
 */
export async function startDnsBackends(): Promise<PropertyBackend> {
  const parts: { server: EchoServer; front: WireFront; proxy: TcpProxy }[] = [];
  let dns: TestDnsServer | undefined;
  const closeAll = async (): Promise<void> => {
    await dns?.close();
    for (const { proxy, front, server } of parts) {
      await proxy.close();
      await front.close();
      await server.close();
    }
  };
  try {
    dns = await startTestDnsServer();
    let port = 0;
    for (let i = 0; i < FLEET_SIZE; i++) {
      const server = await startEchoServer();
      const front = await startWireFront(server.address).catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
      const proxy = await startTcpProxy(front.address, { host: `127.0.0.${i + 2}`, port }).catch(
        async (error: unknown) => {
          await front.close();
          await server.close();
          throw error;
        },
      );
      port = Number(proxy.address.split(':')[1]);
      parts.push({ server, front, proxy });
    }
    const ipOf = (index: number): string => (index < FLEET_SIZE ? `127.0.0.${index + 2}` : DEAD_IP);
    dns.set(NAME, { addresses: parts.map((_, i) => ipOf(i)), ttl: 1 });
    const resolver = dns;
    const isDown = parts.map(() => false);
    const downOne = async (index: number): Promise<void> => {
      if (isDown[index]) return;
      isDown[index] = true;
      await parts[index].proxy.down();
    };
    const upOne = async (index: number): Promise<void> => {
      if (!isDown[index]) return;
      isDown[index] = false;
      await parts[index].proxy.up();
    };
    return {
      target: `dns://${resolver.address}/${NAME}:${port}`,
      release: () => parts.forEach((p) => p.front.release()),
      stopHolding: () => parts.forEach((p) => p.front.stopHolding()),
      down: async () => {
        await Promise.all(parts.map((_, i) => downOne(i)));
      },
      up: async () => {
        await Promise.all(parts.map((_, i) => upOne(i)));
      },
      downOne,
      upOne,
      moveTo: (backends) => {
        const addresses = [...new Set(backends.map(ipOf))];
        resolver.set(NAME, { addresses, ttl: 1 });
        return { deadAddress: addresses.includes(DEAD_IP) };
      },
      serves: (address) => {
        const index = parts.findIndex((p) => p.proxy.address === address);
        return index !== -1 && !isDown[index];
      },
      close: closeAll,
    };
  } catch (error: unknown) {
    await closeAll();
    throw error;
  }
}
