import { Metadata } from '@grpc/grpc-js';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

const SECRET = 'Bearer do-not-log-me-7f3a';

/** Every message the library logs, at every level, while it fails in all the ways it logs about. */
describe('logs never carry metadata values', () => {
  const lines: string[] = [];
  const recorder: LoggerService = {
    log: (message: string) => lines.push(String(message)),
    warn: (message: string) => lines.push(String(message)),
    error: (message: string) => lines.push(String(message)),
    debug: (message: string) => lines.push(String(message)),
    verbose: (message: string) => lines.push(String(message)),
  };
  beforeAll(() => Logger.overrideLogger(recorder));
  afterAll(() => Logger.overrideLogger(false));

  it('through refused connections, failed calls, health checks and a drain that cancels', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', SECRET);

    const dead = createEchoPool(`127.0.0.1:${await freePort()}`);
    const deadEcho = dead.getService<EchoService>('EchoService');
    for (let i = 0; i < 3; i++) {
      await firstValueFrom(deadEcho.echo({ message: SECRET }, metadata)).catch(() => undefined);
    }
    await dead.checkHealth({ remote: true });
    await dead.close();

    const server = await startEchoServer();
    const live = createEchoPool(server.address, { drainTimeoutMs: 50 });
    const echo = live.getService<EchoService>('EchoService');
    expect((await firstValueFrom(echo.echo({ message: 'x' }, metadata))).token).toBe(SECRET);
    // Still running when the drain runs out, however slow the machine: the drain cancels it.
    const slow = firstValueFrom(echo.slow({ delayMs: 60_000 }, metadata)).catch(() => undefined);
    await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the slow call to reach the server');
    await live.close();
    await slow;
    await server.close();

    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.some((line) => line.includes('Cancelled 1 call(s)'))).toBe(true);
    expect(lines.filter((line) => line.includes('do-not-log-me'))).toEqual([]);
  });
});
