import { Logger, type LoggerService } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import {
  startMixedFailureServer,
  type MixedFailureServer,
} from '../support/mixed-failure-server.js';
import { steadyLoad } from '../support/steady-load.js';
import { sleep, waitFor } from '../support/wait-for.js';

const CALLERS = 24;
const LOAD_MS = 3000;
const MAX_CHANNELS = 2;

/** Replacements the backoff (1 s, doubling) allows in `ms`: one at 0, 1, 3, 7, 15 s, ... */
function scheduled(ms: number): number {
  let count = 0;
  for (let at = 0, delay = 1000; at <= ms; at += delay, delay *= 2) count++;
  return count;
}

/**
 * A READY connection to a backend that answers UNAVAILABLE to half its calls
 * and NOT_FOUND to the rest: the NOT_FOUND answers must not reset the
 * recycling backoff, or the pool reconnects dozens of times a second.
 */
describe('no reconnect storm on mixed failures', () => {
  const warnings: string[] = [];
  const recorder: LoggerService = {
    log: () => undefined,
    warn: (message: string) => warnings.push(String(message)),
    error: (message: string) => warnings.push(String(message)),
    debug: () => undefined,
    verbose: () => undefined,
  };
  let server: MixedFailureServer | undefined;
  let pool: GrpcPool | undefined;

  beforeAll(() => Logger.overrideLogger(recorder));
  afterAll(() => Logger.overrideLogger(new Logger()));
  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
    warnings.length = 0;
  });

  async function start(): Promise<EchoService> {
    server = await startMixedFailureServer();
    pool = createEchoPool(server.address, { pool: { maxChannels: MAX_CHANNELS } });
    await waitFor(() => pool!.state === 'ready', 5000, 'the pool to be ready');
    return pool.getService<EchoService>('EchoService');
  }

  it('opens at most one new connection per backoff step, and logs one line per step', async () => {
    const echo = await start();
    const startedAt = Date.now();
    const load = steadyLoad(echo, CALLERS);
    await sleep(LOAD_MS);
    const records = await load.stop();
    const elapsedMs = Date.now() - startedAt;
    const connections = server!.peers.size;
    const replacementLines = warnings.filter((line) => line.includes('in a row while READY'));
    // The load really was the mix: both kinds of failure, and many of them.
    expect(records.filter((record) => record.code === 14).length).toBeGreaterThan(20);
    expect(records.filter((record) => record.code === 5).length).toBeGreaterThan(20);
    // Channels the pool may open for load, plus one replacement per backoff step, plus one of slack.
    expect(connections).toBeLessThanOrEqual(MAX_CHANNELS + scheduled(elapsedMs) + 1);
    expect(replacementLines.length).toBeLessThanOrEqual(scheduled(elapsedMs) + 1);
    expect(warnings.length).toBeLessThanOrEqual(scheduled(elapsedMs) + 3);
  });

  it('starts the backoff over once the backend has recovered', async () => {
    const echo = await start();
    const replacements = (): string[] =>
      warnings.filter((line) => line.includes('in a row while READY'));
    const load = steadyLoad(echo, 8);
    await waitFor(() => replacements().length === 1, 5000, 'the first replacement');
    expect(replacements()[0]).toContain('the next replacement to this backend waits 1 s');
    // Healthy for longer than the next wait (2 s): the episode is over.
    server!.recover(true);
    await sleep(3000);
    server!.recover(false);
    await waitFor(() => replacements().length === 2, 5000, 'a replacement after the recovery');
    await load.stop();
    // The new fault starts from the first step again, not from the second (which waits 2 s).
    expect(replacements()[1]).toContain('the next replacement to this backend waits 1 s');
  });
});
