import { status } from '@grpc/grpc-js';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import {
  startMixedFailureServer,
  type MixedFailureServer,
} from '../support/mixed-failure-server.js';
import { freezePolicyClock, type PolicyClock } from '../support/policy-clock.js';
import { steadyLoad, type CallRecord } from '../support/steady-load.js';
import { waitFor } from '../support/wait-for.js';

const CALLERS = 24;
const MAX_CHANNELS = 2;
/** Calls per phase: a storm (a replacement every 5 failures in a row) would open dozens of connections in these. */
const CALLS_PER_PHASE = 600;
/** A bound on each wait below; the waits are for events, this only stops a hang. */
const HANG_GUARD_MS = 20_000;
/** The recycle backoff's first two waits (lib/pool/recycle-backoff.ts; their timing is unit-tested there). */
const FIRST_WAIT_MS = 1000;
const SECOND_WAIT_MS = 2000;

/**
 * A READY connection to a backend that answers UNAVAILABLE to half its calls
 * and NOT_FOUND to the rest: the NOT_FOUND answers must not reset the
 * recycling backoff, or the pool reconnects dozens of times a second.
 * `Date` is frozen: a backoff wait ends only when the test moves the clock
 * (with no call in flight), so a slow machine cannot let an extra step in.
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
  let clock: PolicyClock | undefined;

  beforeAll(() => Logger.overrideLogger(recorder));
  afterAll(() => Logger.overrideLogger(new Logger()));
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await closeTestPool(pool, server);
    pool = undefined;
    server = undefined;
    warnings.length = 0;
  });

  const replacements = (): string[] =>
    warnings.filter((line) => line.includes('in a row while READY'));

  async function start(): Promise<EchoService> {
    server = await startMixedFailureServer();
    clock = freezePolicyClock();
    pool = createEchoPool(server.address, { pool: { maxChannels: MAX_CHANNELS } });
    await waitFor(() => pool!.state === 'ready', HANG_GUARD_MS, 'the pool to be ready');
    return pool.getService<EchoService>('EchoService');
  }

  /** Runs the load until the server has answered `calls` more calls (and `until()` holds); resolves once none is in flight. */
  async function phase(
    echo: EchoService,
    calls: number,
    until: () => boolean = () => true,
  ): Promise<CallRecord[]> {
    const from = server!.calls;
    const load = steadyLoad(echo, CALLERS);
    try {
      await waitFor(
        () => server!.calls >= from + calls && until(),
        HANG_GUARD_MS,
        `${calls} calls at the server`,
      );
    } finally {
      await load.stop();
    }
    return load.records;
  }

  it('opens at most one new connection per backoff step, and logs one line per step', async () => {
    const echo = await start();
    const first = await phase(echo, CALLS_PER_PHASE, () => replacements().length >= 1);
    // The load really was the mix: both kinds of failure, and many of them.
    expect(first.filter((record) => record.code === status.UNAVAILABLE).length).toBeGreaterThan(20);
    expect(first.filter((record) => record.code === status.NOT_FOUND).length).toBeGreaterThan(20);
    // Step one happened at once; the backoff holds the next for its whole wait, however many fail meanwhile.
    expect(replacements()).toHaveLength(1);
    expect(server!.peers.size).toBeLessThanOrEqual(MAX_CHANNELS + 1);

    clock!.advance(FIRST_WAIT_MS);
    await phase(echo, CALLS_PER_PHASE, () => replacements().length >= 2);
    expect(replacements()).toHaveLength(2);
    expect(replacements()[1]).toContain('the next replacement to this backend waits 2 s');
    // Channels the pool may open for load, plus one replacement per backoff step.
    expect(server!.peers.size).toBeLessThanOrEqual(MAX_CHANNELS + 2);
    // One line per step, and at most the pool's own degraded/down lines besides.
    expect(warnings.length).toBeLessThanOrEqual(replacements().length + 2);
  });

  it('starts the backoff over once the backend has recovered', async () => {
    const echo = await start();
    await phase(echo, 100, () => replacements().length === 1);
    expect(replacements()[0]).toContain('the next replacement to this backend waits 1 s');
    // Healthy for longer than the next wait (2 s): the episode is over.
    server!.recover(true);
    const healthy = await phase(echo, 100);
    expect(healthy.filter((record) => record.ok).length).toBeGreaterThan(0);
    clock!.advance(SECOND_WAIT_MS);
    server!.recover(false);
    await phase(echo, 100, () => replacements().length === 2);
    // The new fault starts from the first step again, not from the second (which waits 2 s).
    expect(replacements()[1]).toContain('the next replacement to this backend waits 1 s');
  });
});
