import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServerReadableStream,
  type ServerWritableStream,
  type ServiceClientConstructor,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../lib/index.js';
import { closeTestPool } from './support/close-test-pool.js';
import { createEchoPool, type EchoAsyncService } from './support/echo-client.js';
import { ECHO_PROTO } from './support/protos.js';
import { sleep, waitFor } from './support/wait-for.js';

const KB = 'x'.repeat(1024);
const MESSAGES = 100_000;

/**
 * A server that honours flow control and shows it: its response stream
 * writes only while `write()` says the connection takes more (and counts the
 * times it said no); its request stream reader takes breaks, so a client
 * that ignored flow control would run far ahead of it.
 */
interface FlowServer {
  address: string;
  /** Responses written so far, and how often `write()` returned false. */
  written: number;
  refusedWrites: number;
  cancelled: number;
  /** Requests read so far. */
  received: number;
  close(): Promise<void>;
}

async function startFlowServer(): Promise<FlowServer> {
  const proto = loadPackageDefinition(loadSync(ECHO_PROTO)) as unknown as {
    test: { v1: GrpcObject };
  };
  const service = (proto.test.v1.EchoService as ServiceClientConstructor).service;
  const server = new Server();
  const state = { written: 0, refusedWrites: 0, cancelled: 0, received: 0 };
  const notServed = (): void => undefined;
  server.addService(service, {
    Echo: notServed,
    Slow: notServed,
    Chat: notServed,
    Count(call: ServerWritableStream<{ count: number }, { message: string }>) {
      let sent = 0;
      call.on('cancelled', () => state.cancelled++);
      const writeSome = (): void => {
        while (sent < call.request.count && !call.cancelled) {
          sent++;
          state.written++;
          if (!call.write({ message: KB })) {
            state.refusedWrites++;
            call.once('drain', writeSome);
            return;
          }
        }
        if (!call.cancelled) call.end();
      };
      writeSome();
    },
    Collect(
      call: ServerReadableStream<{ message: string }, { message: string }>,
      callback: sendUnaryData<{ message: string }>,
    ) {
      let count = 0;
      call.on('data', () => {
        count++;
        state.received++;
        // A slow reader: a 2 ms break every 500 messages.
        if (count % 500 === 0) {
          call.pause();
          setTimeout(() => call.resume(), 2);
        }
      });
      call.on('end', () => callback(null, { message: String(count) }));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return Object.assign(state, {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  });
}

describe('getAsyncService: back-pressure both ways', () => {
  let server: FlowServer;
  let pool: GrpcPool;
  let echo: EchoAsyncService;

  beforeAll(async () => {
    server = await startFlowServer();
    pool = createEchoPool(server.address);
    echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  });
  afterAll(() => closeTestPool(pool, server));

  it('a slow for-await consumer holds the server back through HTTP/2 flow control', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const writtenBefore = server.written;
    let consumed = 0;
    let furthestAhead = 0;
    for await (const reply of echo.count({ count: MESSAGES, intervalMs: 0 })) {
      expect(reply.message).toHaveLength(1024);
      consumed++;
      await sleep(1);
      furthestAhead = Math.max(furthestAhead, server.written - writtenBefore - consumed);
      if (consumed === 1000) break;
    }
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    // Without back-pressure the server would have written all 100,000 (100 MB) by now.
    expect(server.refusedWrites).toBeGreaterThan(0);
    expect(furthestAhead).toBeLessThan(2000);
    expect(server.written - writtenBefore).toBeLessThan(consumed + 2000);
    expect(heapGrowthMb).toBeLessThan(20);
    await waitFor(() => server.cancelled === 1, 2000, 'the break to cancel the call');
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
    // The flow-control window (64 KB) and the buffers in front of it, not the 100 MB a
    // producer read without waiting for 'drain' would have queued.
    expect(furthestAhead).toBeLessThan(2000);
  });
});
