import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, from } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import {
  createEchoPool,
  type EchoCallbackClient,
  type EchoService,
} from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { settlesWithin } from '../support/hang-guard.js';

/** Bounds each call, which takes milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** The longest timeoutMs the pool accepts: 2^31 - 1 ms, about 24.8 days. */
const LONGEST_TIMEOUT_MS = 2_147_483_647;

// Found by the property tests (test/property): grpc-js sends a timeout of 1e8 ms or more in
// whole seconds rounded up, so 2^31 - 1 ms went out as 2,147,484 s; the grpc-js server's timer
// for it overflowed and fired at once, and any call that outlived a millisecond failed
// DEADLINE_EXCEEDED as it started.
describe('the longest valid deadline', () => {
  let server: EchoServer | undefined;
  let pool: GrpcPool | undefined;
  afterEach(async () => {
    await closeTestPool(pool, server);
    pool = server = undefined;
  });

  it('a client stream with timeoutMs 2^31 - 1 ends OK', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    const requests = from([{ message: 'a' }, { message: 'b' }]);
    const reply = await firstValueFrom(
      echo.collect(requests, undefined, { timeoutMs: LONGEST_TIMEOUT_MS }),
    );
    expect(reply.message).toBe('a,b');
  });

  it('a call that takes a moment, with timeoutMs or a deadline 2^31 - 1 ms away, ends OK', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const echo = pool.getService<EchoService>('EchoService');
    const byTimeout = await firstValueFrom(
      echo.slow({ delayMs: 20, message: 't' }, undefined, { timeoutMs: LONGEST_TIMEOUT_MS }),
    );
    const byDeadline = await firstValueFrom(
      echo.slow({ delayMs: 20, message: 'd' }, undefined, {
        deadline: Date.now() + LONGEST_TIMEOUT_MS,
      }),
    );
    expect([byTimeout.message, byDeadline.message]).toEqual(['t', 'd']);
    // What the server had left as the handler started fits a Node timer.
    expect(Math.max(...server.slowTimeoutsMs)).toBeLessThanOrEqual(LONGEST_TIMEOUT_MS);
  });

  it('a callback-style call with a deadline 2^31 - 1 ms away ends OK, its deadline sent in range', async () => {
    server = await startEchoServer();
    pool = createEchoPool(server.address);
    const client = pool.getClientByServiceName<EchoCallbackClient>('EchoService');
    const options = { deadline: Date.now() + LONGEST_TIMEOUT_MS };
    const error = await settlesWithin(
      new Promise<ServiceError | null>((resolve) =>
        client.slow({ delayMs: 20, message: 'c' }, new Metadata(), options, resolve),
      ),
      HANG_GUARD_MS,
      'the callback call with the longest deadline',
    );
    expect(error).toBeNull();
    // The same clamp as getService() calls: the server had a deadline ahead of it, not one passed.
    expect(Math.max(...server.slowTimeoutsMs)).toBeLessThanOrEqual(LONGEST_TIMEOUT_MS);
    expect(Math.min(...server.slowTimeoutsMs)).toBeGreaterThan(0);
    // The caller's options object is the caller's: not changed.
    expect(options.deadline).toBeGreaterThan(Date.now());
  });
});
