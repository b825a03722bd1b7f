import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

// Outlier detection never ejects more than half of the backends, so that a
// fault hitting them all leaves the pool somewhere to send calls. When both
// of two backends die, one is ejected; when that one comes back first, its
// channel is READY while the other backend's cannot connect. Its calls must
// go to the backend that serves, not fail on the dead one until the
// ejection period (up to maxEjectionMs, five minutes) runs out.

/** A bound on each wait below; the waits are for events, this only stops a hang. */
const HANG_GUARD_MS = 20_000;
/** The ejection period: longer than the test, so the backend is still ejected when it serves again. */
const LONGER_THAN_THE_TEST_MS = 10 * 60_000;

const codeOf = (error: unknown): number => (error as { code: number }).code;

describe('fault: every backend dies, then the ejected one comes back first', () => {
  let servers: EchoServer[] = [];
  let proxies: TcpProxy[] = [];
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool, ...proxies, ...servers);
    pool = undefined;
    proxies = [];
    servers = [];
  });

  it('calls go to the backend that serves, though it is still ejected, rather than fail on the dead one', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer()]);
    proxies = await Promise.all(servers.map((server) => startTcpProxy(server.address)));
    pool = createEchoPool(
      proxies.map((proxy) => proxy.address),
      {
        // One channel per backend: the pool is at its cap, so it cannot grow around the fault.
        pool: {
          maxChannels: 2,
          outlierDetection: { consecutiveFailures: 3, baseEjectionMs: LONGER_THAN_THE_TEST_MS },
        },
        defaultCallOptions: { retry: false },
      },
    );
    await waitFor(
      () => pool!.stats().channels.every((c) => c.state === 'READY'),
      HANG_GUARD_MS,
      'two READY channels',
    );
    const echo = pool.getService<EchoService>('EchoService');
    const outcome = (): Promise<string> =>
      firstValueFrom(echo.echo({ message: 'x' })).then(
        () => 'OK',
        (error: unknown) => status[codeOf(error)],
      );

    await Promise.all(proxies.map((proxy) => proxy.down()));
    // Calls fail on both until one backend is ejected.
    await waitFor(
      async () => {
        expect(await outcome()).toBe('UNAVAILABLE');
        return pool!.stats().channels.some((c) => c.ejected);
      },
      HANG_GUARD_MS,
      'a backend to be ejected',
    );
    const ejected = pool.stats().channels.find((c) => c.ejected)!.target;
    const back = proxies.findIndex((proxy) => proxy.address === ejected);
    await proxies[back].up();
    await waitFor(
      () => pool!.stats().channels.find((c) => c.target === ejected)?.state === 'READY',
      HANG_GUARD_MS,
      'the channel to the backend that came back to reconnect',
    );
    // Still ejected, and the other backend still cannot be reached.
    expect(pool.stats().channels.map((c) => [c.target === ejected, c.state, c.ejected])).toEqual(
      expect.arrayContaining([
        [true, 'READY', true],
        [false, 'TRANSIENT_FAILURE', undefined],
      ]),
    );

    const callsBefore = servers[back].calls;
    const after: string[] = [];
    for (let i = 0; i < 10; i++) after.push(await outcome());
    expect(after).toEqual(Array(10).fill('OK'));
    expect(servers[back].calls - callsBefore).toBe(10);
  });
});
