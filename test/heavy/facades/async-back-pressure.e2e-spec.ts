import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../../lib/index.js';
import { closeTestPool } from '../../support/close-test-pool.js';
import { createEchoPool, type EchoAsyncService } from '../../support/echo-client.js';
import { startFlowServer, type FlowServer } from '../../support/flow-server.js';
import { sleep, waitFor } from '../../support/wait-for.js';

const KB = 'x'.repeat(1024);
const MESSAGES = 100_000;
/**
 * The most messages of 1 KB either side may be ahead of the other: the HTTP/2 flow-control
 * windows and the stream buffers in front of them (measured: about 110 replies, about 1,000
 * requests), not the 100,000 (100 MB) a side that ignored flow control would send.
 */
const MOST_AHEAD = 2000;
/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** The heavy tier: 100,000 messages of 1 KB each way. The default tier has the same bounds on a few hundred. */
describe('getAsyncService: back-pressure both ways, 100,000 messages', () => {
  let server: FlowServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startFlowServer({ replyBytes: KB.length });
    pool = createEchoPool(server.address);
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterAll(() => closeTestPool(pool, server));

  it('a slow for-await consumer holds the server back through HTTP/2 flow control', async () => {
    const writtenBefore = server.written;
    const cancelledBefore = server.cancelled;
    let consumed = 0;
    let furthestAhead = 0;
    for await (const reply of echo.count({ count: MESSAGES, intervalMs: 0 })) {
      expect(reply.message).toHaveLength(1024);
      consumed++;
      // A slow consumer: it reads one reply per timer tick.
      await sleep(1);
      furthestAhead = Math.max(furthestAhead, server.written - writtenBefore - consumed);
      if (consumed === 1000) break;
    }
    // Without back-pressure the server would have written all 100,000 (100 MB) by now.
    expect(server.refusedWrites).toBeGreaterThan(0);
    expect(furthestAhead).toBeLessThan(MOST_AHEAD);
    expect(server.written - writtenBefore).toBeLessThan(consumed + MOST_AHEAD);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the break to cancel the call',
    );
  });

  it('a fast consumer gets all 100,000 messages of 1 KB', async () => {
    let count = 0;
    for await (const reply of echo.count({ count: MESSAGES, intervalMs: 0 })) {
      if (reply.message.length === 1024) count++;
    }
    expect(count).toBe(MESSAGES);
  });

  it('a request stream of 100,000 from an async generator is read no faster than the server takes it', async () => {
    let produced = 0;
    let furthestAhead = 0;
    const receivedBefore = server.received;
    async function* requests(): AsyncGenerator<{ message: string }> {
      for (let i = 0; i < MESSAGES; i++) {
        furthestAhead = Math.max(furthestAhead, produced - (server.received - receivedBefore));
        produced++;
        yield { message: KB };
      }
    }
    const reply = await echo.collect(requests());
    expect(reply.message).toBe(String(MESSAGES));
    expect(server.received - receivedBefore).toBe(MESSAGES);
    expect(furthestAhead).toBeLessThan(MOST_AHEAD);
  });
});
