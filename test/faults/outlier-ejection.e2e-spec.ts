import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { freezePolicyClock, type PolicyClock } from '../support/policy-clock.js';
import { waitFor } from '../support/wait-for.js';
import { closeTestPool } from '../support/close-test-pool.js';

const BASE_EJECTION_MS = 300;

/** Backends whose connections stay READY but whose every call fails: only outcomes reveal them. */
describe('fault: outlier ejection across three backends', () => {
  let servers: EchoServer[] = [];
  let pool: GrpcPool | undefined;
  let clock: PolicyClock | undefined;

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await closeTestPool(pool, ...servers);
    pool = undefined;
    servers = [];
  });

  /** `count` calls one after another (so none is in flight between two): how many failed. */
  async function callMany(echo: EchoService, count: number): Promise<number> {
    let failed = 0;
    for (let i = 0; i < count; i++) {
      await firstValueFrom(echo.echo({ message: String(i) })).catch(() => failed++);
    }
    return failed;
  }

  const ejectedTargets = (p: GrpcPool) =>
    p
      .stats()
      .channels.filter((c) => c.ejected)
      .map((c) => c.target);

  it('ejects the failing backend after N failures in a row, probes it after the period, and admits it once it serves', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
    const [good1, bad, good2] = servers;
    bad.failEverything(status.UNAVAILABLE);
    // The ejection period ends when the test moves the clock, not when a loaded machine gets there.
    clock = freezePolicyClock();
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        pool: {
          maxChannels: 3,
          outlierDetection: { consecutiveFailures: 3, baseEjectionMs: BASE_EJECTION_MS },
        },
        defaultCallOptions: { retry: false },
      },
    );
    await waitFor(
      () => pool!.stats().channels.every((c) => c.state === 'READY'),
      10_000,
      'three READY channels',
    );
    const echo = pool.getService<EchoService>('EchoService');

    // Three failures in a row on it, then no call reaches it for the whole period.
    expect(await callMany(echo, 60)).toBe(3);
    expect(bad.calls).toBe(3);
    expect(ejectedTargets(pool)).toEqual([bad.address]);
    expect(pool.state).toBe('degraded');
    expect(good1.calls + good2.calls).toBe(57);

    // Past the period exactly one call probes it; it still fails, so it is out again (for a longer period).
    clock.advance(BASE_EJECTION_MS);
    expect(await callMany(echo, 30)).toBe(1);
    expect(bad.calls).toBe(4);
    expect(ejectedTargets(pool)).toEqual([bad.address]);
    // The first period has passed again, but the second is longer: still no call reaches it.
    clock.advance(BASE_EJECTION_MS);
    expect(await callMany(echo, 30)).toBe(0);
    expect(bad.calls).toBe(4);

    // It serves again; past the second period its probe succeeds and it is admitted.
    bad.failEverything(undefined);
    clock.advance(BASE_EJECTION_MS);
    expect(await callMany(echo, 30)).toBe(0);
    expect(ejectedTargets(pool)).toEqual([]);
    expect(bad.calls).toBeGreaterThan(4 + 1);
    expect(pool.state).toBe('ready');
  });

  it('never ejects more than half of the backends', async () => {
    servers = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
    servers[1].failEverything(status.UNAVAILABLE);
    servers[2].failEverything(status.UNAVAILABLE);
    pool = createEchoPool(
      servers.map((s) => s.address),
      {
        pool: {
          maxChannels: 3,
          outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 60_000 },
        },
        defaultCallOptions: { retry: false },
      },
    );
    await waitFor(
      () => pool!.stats().channels.every((c) => c.state === 'READY'),
      10_000,
      'three READY channels',
    );
    await callMany(pool.getService<EchoService>('EchoService'), 60);
    expect(ejectedTargets(pool)).toHaveLength(1);
  });
});
