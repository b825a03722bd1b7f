/**
 * `npm run bench:queue`: what calls that give up waiting for a slot cost.
 * A real pool (one channel, one slot) against a real local server that holds
 * the one call it is sent, so every later call queues and none is granted:
 *   (a) 150,000 calls that give up at their deadline, in 6 batches of 25,000:
 *       the heap after a full GC and the time each batch takes (a queue that
 *       keeps what left it grows, and slows down, batch after batch);
 *   (b) 100,000 queued calls reaching one deadline together: the longest the
 *       event loop was blocked while they failed;
 *   (c) 40,000 queued calls sharing one AbortSignal, aborted: the same.
 * Figures are printed, never asserted. Needs `node --expose-gc`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { GrpcPool } from '../dist/index.js';
import type { EchoService } from '../test/support/echo-client.js';
import { startEchoServer, type EchoServer } from '../test/support/echo-server.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../test/support/protos.js';
import { sleep } from '../test/support/wait-for.js';
import { sampleHeap } from './heap-slope.js';

const BATCHES = 6;
const BATCH_SIZE = 25_000;
const TOGETHER = 100_000;
const SHARED_SIGNAL = 40_000;
/** Each give-up batch's deadline: long enough that the batch is queued before the first fires. */
const BATCH_TIMEOUT_MS = 50;
/** Calls queued per turn of the event loop while (b) and (c) fill the queue. */
const CHUNK = 1_000;

/** A pool whose one slot the server holds: every further call waits in its queue. */
async function heldPool(server: EchoServer): Promise<{ pool: GrpcPool; echo: EchoService }> {
  const pool = new GrpcPool({
    name: 'QUEUE',
    package: ECHO_PACKAGE,
    protoPath: ECHO_PROTO,
    url: server.address,
    // The held call is the only one in flight at close: cancel it at once.
    drainTimeoutMs: 0,
    pool: {
      minChannels: 1,
      maxChannels: 1,
      maxConcurrentCallsPerChannel: 1,
      maxQueued: 1_000_000,
      acquireTimeoutMs: 3_600_000,
    },
  });
  await pool.onModuleInit();
  const echo = pool.getService<EchoService>('EchoService');
  echo.slow({ delayMs: 0, message: 'holds the slot' }).subscribe({ error: () => undefined });
  while (server.active < 1) await sleep(5);
  return { pool, echo };
}

/** Counts settled calls; `all` resolves once `expected` have failed (none may succeed: no slot frees). */
function settlement(expected: number): { failed: () => void; all: Promise<void> } {
  let count = 0;
  let done = (): void => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  return {
    failed: () => {
      if (++count === expected) done();
    },
    all,
  };
}

function queueCall(echo: EchoService, options: object, failed: () => void): void {
  echo.echo({ message: 'queued' }, undefined, options).subscribe({
    next: () => {
      throw new Error('a queued call was granted a slot the server holds');
    },
    error: failed,
  });
}

/** The longest event-loop block while `work` runs, in ms. */
async function longestBlock(work: () => Promise<void>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await work();
  // The histogram reads a block at its next tick: work that ends inside the block must not stop it first.
  await sleep(20);
  delay.disable();
  return delay.max / 1e6;
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);

async function giveUpBatches(echo: EchoService, pool: GrpcPool): Promise<void> {
  console.log(
    `(a) ${BATCHES} batches of ${BATCH_SIZE} calls giving up at a ${BATCH_TIMEOUT_MS} ms deadline`,
  );
  const start = sampleHeap(0).heapUsed;
  console.log(`    before: heap ${mb(start)} MB`);
  for (let batch = 1; batch <= BATCHES; batch++) {
    const t0 = performance.now();
    const { failed, all } = settlement(BATCH_SIZE);
    for (let i = 0; i < BATCH_SIZE; i++) queueCall(echo, { timeoutMs: BATCH_TIMEOUT_MS }, failed);
    await all;
    const ms = performance.now() - t0;
    await new Promise((resolve) => setImmediate(resolve));
    const heap = sampleHeap(batch * BATCH_SIZE).heapUsed;
    console.log(
      `    batch ${batch}: ${ms.toFixed(0)} ms, heap ${mb(heap)} MB (${mb(heap - start)} MB over start), ` +
        `${pool.stats().queued} still queued`,
    );
  }
}

/** Queues `count` calls, CHUNK per turn of the loop, so filling the queue is not what is measured. */
async function fill(count: number, options: () => object, failed: () => void, echo: EchoService) {
  for (let queued = 0; queued < count; queued += CHUNK) {
    for (let i = 0; i < CHUNK; i++) queueCall(echo, options(), failed);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function deadlinesTogether(echo: EchoService): Promise<void> {
  const { failed, all } = settlement(TOGETHER);
  // Enough time to queue them all first; each call's timeout ends at the same instant.
  const fireAt = Date.now() + 5_000;
  await fill(TOGETHER, () => ({ timeoutMs: fireAt - Date.now() }), failed, echo);
  const late = Date.now() > fireAt;
  const blocked = await longestBlock(() => all);
  console.log(
    `(b) ${TOGETHER} queued calls reaching one deadline together: event loop blocked up to ${blocked.toFixed(0)} ms` +
      (late ? ' (the queue filled after the deadline: figure unreliable)' : ''),
  );
}

async function sharedSignalAbort(echo: EchoService): Promise<void> {
  const { failed, all } = settlement(SHARED_SIGNAL);
  const controller = new AbortController();
  await fill(SHARED_SIGNAL, () => ({ signal: controller.signal }), failed, echo);
  const blocked = await longestBlock(async () => {
    await sleep(20);
    controller.abort();
    await all;
  });
  console.log(
    `(c) ${SHARED_SIGNAL} queued calls sharing one AbortSignal, aborted: event loop blocked up to ${blocked.toFixed(0)} ms`,
  );
}

/** Each scenario on a pool of its own, so none inherits what another left in the queue. */
async function onHeldPool(
  server: EchoServer,
  scenario: (echo: EchoService, pool: GrpcPool) => Promise<void>,
): Promise<void> {
  const { pool, echo } = await heldPool(server);
  try {
    await scenario(echo, pool);
    const { queued, inFlight } = pool.stats();
    if (queued !== 0 || inFlight !== 1)
      throw new Error(`left ${queued} queued, ${inFlight} in flight`);
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const server = await startEchoServer();
  const release = server.holdSlowCalls();
  try {
    await onHeldPool(server, giveUpBatches);
    await onHeldPool(server, deadlinesTogether);
    await onHeldPool(server, sharedSignalAbort);
  } finally {
    release();
    await server.close();
  }
}

await main();
