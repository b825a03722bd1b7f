import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import type { GrpcPool } from '../../lib/index.js';
import { closeTestPool } from '../support/close-test-pool.js';
import { createEchoPool, type EchoService } from '../support/echo-client.js';
import { startEchoServer, type EchoServer } from '../support/echo-server.js';
import { failure } from '../support/failure.js';
import { waitFor } from '../support/wait-for.js';

// An aborted call's message says where the call was when its signal aborted:
// waiting in the pool's queue for a slot, or running on the wire.

/** Bounds waits for events that take milliseconds; only a hang ends there. */
const HANG_GUARD_MS = 10_000;

describe('AbortSignal: the message says where the call was', () => {
  let server: EchoServer;
  let pool: GrpcPool;
  let echo: EchoService;
  let release: () => void = () => undefined;

  beforeEach(async () => {
    server = await startEchoServer();
    release = server.holdSlowCalls();
    // One slot in all: the held call takes it, the next call waits in the queue.
    pool = createEchoPool(server.address, {
      pool: { maxChannels: 1, maxConcurrentCallsPerChannel: 1, acquireTimeoutMs: 60_000 },
    });
    echo = pool.getService<EchoService>('EchoService');
  });

  afterEach(async () => {
    release();
    await closeTestPool(pool, server);
  });

  it('a call aborted while it waits for a slot says it was queued, not that it ran', async () => {
    const holder = firstValueFrom(echo.slow({ delayMs: 0, message: 'holder' }));
    await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the server to hold the first call');
    const controller = new AbortController();
    const queued = failure(
      firstValueFrom(echo.echo({ message: 'queued' }, undefined, { signal: controller.signal })),
    );
    await waitFor(() => pool.stats().queued === 1, HANG_GUARD_MS, 'the second call to queue');
    controller.abort();
    const error = await queued;
    expect(error.code).toBe(status.CANCELLED);
    expect(error.name).toBe('AbortError');
    expect(error.message).toContain(
      'was aborted by its AbortSignal while it waited for a slot (queued)',
    );
    expect(error.message).not.toContain('while it ran');
    // It left the queue, and the server never saw it; the holder still has the slot.
    expect(pool.stats()).toMatchObject({ inFlight: 1, queued: 0 });
    expect(server.metadataOf.has('queued')).toBe(false);
    release();
    expect((await holder).message).toBe('holder');
  });

  it('a call aborted while it runs says it ran', async () => {
    const controller = new AbortController();
    const running = failure(
      firstValueFrom(
        echo.slow({ delayMs: 0, message: 'running' }, undefined, { signal: controller.signal }),
      ),
    );
    await waitFor(() => server.active === 1, HANG_GUARD_MS, 'the server to hold the call');
    controller.abort();
    const error = await running;
    expect(error.code).toBe(status.CANCELLED);
    expect(error.message).toContain('was aborted by its AbortSignal while it ran');
    await waitFor(() => server.slowCancelled === 1, HANG_GUARD_MS, 'the server to see the cancel');
  });
});
