import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoAsyncService } from '../support/echo-client.js';
import { startFlowServer, type FlowServer } from '../support/flow-server.js';
import { sleep, waitFor } from '../support/wait-for.js';

/** Large messages, so that a few hundred are far more than the flow-control windows hold. */
const MESSAGE_BYTES = 64 * 1024;
const MESSAGES = 300;
/**
 * The most 64 KB messages either side may be ahead of the other: what the HTTP/2 windows and
 * the stream buffers in front of them hold (measured: about 45 replies, about 30 requests).
 * A side that ignored flow control would be all 300 ahead (19 MB).
 */
const MOST_AHEAD = 100;
/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

/** The deterministic tier's back-pressure: counts, on a few hundred messages (100,000 in test/heavy/). */
describe('getAsyncService: back-pressure both ways', () => {
  let server: FlowServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startFlowServer({ replyBytes: MESSAGE_BYTES, pauseEvery: 10 });
    pool = createEchoPool(server.address);
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterAll(() => closeTestPool(pool, server));

  it('a slow for-await consumer holds the server back, and never has more than the windows hold', async () => {
    const writtenBefore = server.written;
    const refusedBefore = server.refusedWrites;
    const cancelledBefore = server.cancelled;
    let consumed = 0;
    let furthestAhead = 0;
    // Asks for twice what it reads: the server has more to write than the consumer takes.
    for await (const reply of echo.count({ count: 2 * MESSAGES, intervalMs: 0 })) {
      expect(reply.message).toHaveLength(MESSAGE_BYTES);
      consumed++;
      // A slow consumer: it reads one reply per timer tick.
      await sleep(1);
      furthestAhead = Math.max(furthestAhead, server.written - writtenBefore - consumed);
      if (consumed === MESSAGES) break;
    }
    expect(consumed).toBe(MESSAGES);
    expect(server.refusedWrites).toBeGreaterThan(refusedBefore);
    expect(furthestAhead).toBeLessThan(MOST_AHEAD);
    await waitFor(
      () => server.cancelled === cancelledBefore + 1,
      HANG_GUARD_MS,
      'the break to cancel the call on the wire',
    );
    // Nothing was written after the cancel beyond what the windows already held.
    expect(server.written - writtenBefore).toBeLessThan(MESSAGES + MOST_AHEAD);
  });

  it('a request stream from an async generator is read no faster than the server takes it', async () => {
    const message = 'x'.repeat(MESSAGE_BYTES);
    let produced = 0;
    let furthestAhead = 0;
    const receivedBefore = server.received;
    async function* requests(): AsyncGenerator<{ message: string }> {
      for (let i = 0; i < MESSAGES; i++) {
        furthestAhead = Math.max(furthestAhead, produced - (server.received - receivedBefore));
        produced++;
        yield { message };
      }
    }
    const reply = await echo.collect(requests());
    expect(reply.message).toBe(String(MESSAGES));
    expect(server.received - receivedBefore).toBe(MESSAGES);
    expect(furthestAhead).toBeLessThan(MOST_AHEAD);
  });
});
