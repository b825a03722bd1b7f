/**
 * `npm run bench:odd-status`: what one odd
 * `grpc-status` from a backend costs afterwards (issue 21, case 1). A raw
 * HTTP/2 backend answers one call with `grpc-status: 50000000` and one
 * with each of sixty codes above 16; then `stats()` and a Prometheus scrape
 * are timed (the medians of READS reads) and the series counted. Prints
 * figures, asserts nothing.
 */
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { GrpcPool } from '../dist/index.js';
import type { EchoAsyncService } from '../test/support/echo-client.js';
import { askingFor, MANY_UNKNOWN_CODES } from '../test/support/odd-status-calls.js';
import { startOddStatusServer } from '../test/support/odd-status-server.js';
import { ECHO_PACKAGE, ECHO_PROTO } from '../test/support/protos.js';
import { median } from './load.js';

const READS = 5;

async function timedMs(read: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < READS; i++) {
    const startedAt = performance.now();
    await read();
    times.push(performance.now() - startedAt);
  }
  return median(times);
}

Logger.overrideLogger(false);
const server = await startOddStatusServer();
const registry = new Registry();
const pool = new GrpcPool({
  name: 'ODD',
  package: ECHO_PACKAGE,
  protoPath: ECHO_PROTO,
  url: server.address,
  prometheus: { registry },
});
pool.onModuleInit();
try {
  const echo = pool.getAsyncService<EchoAsyncService>('EchoService');
  for (const grpcStatus of ['50000000', ...MANY_UNKNOWN_CODES]) {
    await echo.echo({ message: 'x' }, askingFor(grpcStatus)).catch(() => undefined);
  }
  const statsMs = await timedMs(() => pool.stats());
  const scrapeMs = await timedMs(() => registry.metrics());
  const handled = (await registry.getMetricsAsJSON()).find(
    (metric) => metric.name === 'grpc_client_handled_total',
  );
  const { calls } = pool.stats();
  console.log(`stats() after the odd statuses: ${statsMs.toFixed(2)} ms (median of ${READS})`);
  console.log(`Prometheus scrape: ${scrapeMs.toFixed(2)} ms (median of ${READS})`);
  console.log(`grpc_client_handled_total series: ${handled?.values.length ?? 0}`);
  console.log(`stats().calls: ${JSON.stringify(calls)}`);
} finally {
  await pool.close();
  await server.close();
}
