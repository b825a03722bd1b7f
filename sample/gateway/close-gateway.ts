import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import type { GrpcPool } from 'nestjs-grpc-pool';

/** Node publishes every finished HTTP response here (with the server it belongs to). */
const RESPONSE_FINISH = 'http.server.response.finish';

/**
 * Stops the gateway and logs its drain. `app.close()` first closes the HTTP
 * server (the requests in flight are answered, using the pool as they need),
 * then the pool drains its own calls and closes its channels; the two lines
 * say how much was in flight when this began and how long it all took.
 */
export async function closeGateway(app: INestApplication, reason: string): Promise<void> {
  const logger = new Logger('Shutdown');
  const pool = app.get<GrpcPool>('ORDERS');
  const { inFlight, queued } = pool.stats();
  logger.log(
    `Stopping (${reason}): no new requests; ${inFlight} gRPC call(s) in flight, ${queued} queued`,
  );
  const began = performance.now();
  const server = app.getHttpServer() as Server;
  // Node's server.close() closes idle connections only: a client that keeps a
  // busy keep-alive connection sending would hold the drain open for ever.
  // Each response from now on closes its connection instead.
  server.prependListener('request', (_request, response) =>
    response.setHeader('Connection', 'close'),
  );
  // A response that was already in flight went out keep-alive, and its
  // connection then sat idle until the client dropped it (seconds, or never):
  // close it as soon as it is idle. Node marks it idle after this event.
  const closeOnceIdle = (message: unknown): void => {
    if ((message as { server?: unknown }).server === server)
      setImmediate(() => server.closeIdleConnections());
  };
  subscribe(RESPONSE_FINISH, closeOnceIdle);
  try {
    await app.close();
  } finally {
    unsubscribe(RESPONSE_FINISH, closeOnceIdle);
  }
  const ms = Math.round(performance.now() - began);
  logger.log(
    `Drained in ${ms} ms (${inFlight} gRPC call(s) were in flight): HTTP server and pool ${String(pool.name)} closed`,
  );
}
