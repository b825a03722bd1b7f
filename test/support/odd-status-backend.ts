import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { GrpcPool, GrpcPoolClientOptions } from '../../lib/index.js';
import { closeTestPool } from './close-test-pool.js';
import { createEchoPool } from './echo-client.js';
import { startOddStatusServer, type OddStatusServer } from './odd-status-server.js';

/**
 * For a describe block: one odd-status server for the whole block, and the
 * pool each test opens on it, closed (its counts checked) after each test,
 * so every test reads its own counts.
 */
export function oddStatusBackend(): {
  /** The server: started before the block's first test. */
  readonly server: OddStatusServer;
  /** A pool on the server for this test. */
  openPool(overrides?: Partial<GrpcPoolClientOptions>): GrpcPool;
} {
  let server: OddStatusServer | undefined;
  let pool: GrpcPool | undefined;

  beforeAll(async () => {
    server = await startOddStatusServer();
  });
  afterEach(async () => {
    await closeTestPool(pool);
    pool = undefined;
  });
  afterAll(async () => server?.close());

  const started = (): OddStatusServer => {
    if (server === undefined) throw new Error('the odd-status server starts in beforeAll');
    return server;
  };
  return {
    get server() {
      return started();
    },
    openPool(overrides) {
      pool = createEchoPool(started().address, overrides);
      return pool;
    },
  };
}
