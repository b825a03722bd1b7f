import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import {
  createEchoPool,
  type EchoAsyncService,
  type EchoCallbackClient,
} from '../support/echo-client.js';
import { failure } from '../support/failure.js';
import { freePort } from '../support/free-port.js';
import { settlesWithin } from '../support/hang-guard.js';

/** Bounds each call, which fails as soon as the connection is refused; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/**
 * grpc-js ends a refused connection's details with ". Resolution note: "
 * and nothing after it for a plain address; the errors the pool passes on
 * end with the last error instead.
 */
describe('a refused connection', () => {
  let pool: GrpcPool | undefined;

  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });

  it('fails UNAVAILABLE naming the last error, without an empty resolution note', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    pool = createEchoPool(address);
    const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
    const error = await settlesWithin(
      failure(echo.echo({ message: 'x' })),
      HANG_GUARD_MS,
      'the call to a refused port',
    );
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toMatch(/^No connection established\. Last error: .*ECONNREFUSED/);
    expect(error.details.endsWith(`ECONNREFUSED ${address}`)).toBe(true);
    expect(error.message).toBe(`14 UNAVAILABLE: ${error.details}`);
  });

  it('gives a callback-style call the same details', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    pool = createEchoPool(address);
    const client = pool.getClientByServiceName<EchoCallbackClient>('EchoService');
    const error = await settlesWithin(
      new Promise<ServiceError | null>((resolve) =>
        client.echo({ message: 'x' }, new Metadata(), resolve),
      ),
      HANG_GUARD_MS,
      'the callback call to a refused port',
    );
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(error?.details.endsWith(`ECONNREFUSED ${address}`)).toBe(true);
  });
});
