import { afterEach, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startFlappingBackend, type FlappingBackend } from '../support/flapping-backend.js';
import { flappingLoad } from '../support/flapping-load.js';
import { sleep } from '../support/wait-for.js';

describe('fault: the backend dies and comes back every 500 ms under 32 callers', () => {
  let pool: GrpcPool | undefined;
  let backend: FlappingBackend | undefined;

  afterEach(async () => {
    await closeTestPool(pool, backend && { close: () => backend!.stop() });
    pool = undefined;
    backend = undefined;
  });

  it('no call succeeds without its messages, none outlives its deadline by 200 ms, none is left unsettled', async () => {
    backend = await startFlappingBackend({ killEveryMs: 500 });
    pool = createEchoPool(backend.address);
    const load = flappingLoad(pool.getService<EchoService>('EchoService'), {
      callers: 32,
      timeoutMs: 1000,
      streamLength: 5,
      intervalMs: 20,
    });
    await sleep(4000);
    const figures = await load.stop();
    const kills = backend.kills;
    await backend.stop();

    // The scenario happened: the backend died several times, and calls both failed and succeeded.
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(figures.ok).toBeGreaterThan(0);
    expect(Object.keys(figures.failed).length).toBeGreaterThan(0);
    // The three guards, in one assertion so a failure prints every figure: every success
    // delivered exactly the messages it asked for (1 for unary, 5 per stream); no call
    // outlived its 1 s deadline by more than 200 ms; every call settled.
    expect({ ...figures, overshotBy200Ms: figures.maxOvershootMs > 200 }).toEqual(
      expect.objectContaining({
        successesWithoutMessages: 0,
        overshotBy200Ms: false,
        unsettled: 0,
      }),
    );
  });
});
