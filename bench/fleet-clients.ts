/**
 * The fleet bench's clients, in their own process: `FLEET_POOLS` pools on
 * one DNS name, each with `FLEET_CALLERS` callers making unary calls back
 * to back until the parent disconnects. Failed calls are counted and sent
 * back on `'report'`.
 */
import { Logger } from '@nestjs/common';
import { firstValueFrom, type Observable } from 'rxjs';
import { GrpcPool } from '../dist/index.js';
import { BENCH_PACKAGE, BENCH_PROTO } from './bench-proto.js';

Logger.overrideLogger(['error']);

const POOLS = Number(process.env.FLEET_POOLS ?? 5);
const CALLERS = Number(process.env.FLEET_CALLERS ?? 2);
const MAX_CHANNELS = Number(process.env.FLEET_MAX_CHANNELS ?? 4);
const REFRESH_MS = Number(process.env.FLEET_REFRESH_MS ?? 5000);
const URL = process.env.FLEET_URL!;

type Echo = { echo(request: { message: string }): Observable<unknown> };

async function main(): Promise<void> {
  let running = true;
  let ok = 0;
  let failed = 0;
  const pools = Array.from(
    { length: POOLS },
    (_, i) =>
      new GrpcPool({
        name: `fleet-${process.pid}-${i}`,
        package: BENCH_PACKAGE,
        protoPath: BENCH_PROTO,
        url: URL,
        telemetry: false,
        pool: { maxChannels: MAX_CHANNELS, dns: { refreshIntervalMs: REFRESH_MS } },
      }),
  );
  await Promise.all(pools.map((pool) => pool.onModuleInit()));
  const loops = pools.flatMap((pool) => {
    const echo = pool.getService<Echo>('EchoService');
    return Array.from({ length: CALLERS }, async () => {
      while (running) {
        try {
          await firstValueFrom(echo.echo({ message: '' }));
          ok++;
        } catch {
          failed++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    });
  });
  process.on('message', (message) => {
    if (message === 'report') process.send!({ ok, failed });
  });
  process.on('disconnect', () => {
    running = false;
    void Promise.all(loops).then(() => Promise.all(pools.map((pool) => pool.close())));
  });
  process.send!('ready');
}

void main();
