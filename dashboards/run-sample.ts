import { setTimeout as sleep } from 'node:timers/promises';
import type { INestMicroservice } from '@nestjs/common';
import type { GrpcPoolStats } from 'nestjs-grpc-pool';
import { createOrdersApp } from '../sample/orders/orders-app.js';
import { createDemoGatewayApp } from './demo-gateway.js';
import { freePort } from './free-port.js';
import { Load, type Tally } from './load.js';
import type { Annotation } from './panel-overlays.js';
import type { PrometheusClient } from './prometheus-client.js';

export interface Run {
  /** Unix ms: the first scrape before the load, and the last one after `stats` was read. */
  startMs: number;
  endMs: number;
  annotations: Annotation[];
  /** The pool's stats() right after the load stopped, from the same state as the last scrape. */
  stats: GrpcPoolStats;
  tally: Tally;
}

/** When each phase begins, in seconds from the start of the load; the run ends at `END_S`. */
const STEADY_S = 0;
const BURST_S = 18;
const BURST_CALLERS = 96;
const AFTER_BURST_S = 33;
const ORDERS_STOP_S = 45;
const ORDERS_BACK_S = 57;
const END_S = 84;
/** After the load: a few quiet scrapes, so rates fall to zero and gauges settle. */
const QUIET_S = 3;
const SCRAPE_WAIT_MS = 15_000;

const say = (line: string): boolean => process.stdout.write(`${line}\n`);

/**
 * The sample's orders service and its gateway (with a smaller pool, see
 * `DEMO_POOL`) in this process, on loopback ports, the gateway on
 * `gatewayPort` where `prometheus` scrapes its /metrics, under ~85 s of load
 * in phases. Everything started here is closed before this returns,
 * whatever fails.
 */
export async function runSample(gatewayPort: number, prometheus: PrometheusClient): Promise<Run> {
  const ordersUrl = `127.0.0.1:${await freePort()}`;
  let orders: INestMicroservice | undefined = await startOrders(ordersUrl);
  const gateway = await createDemoGatewayApp(ordersUrl);
  const annotations: Annotation[] = [];
  let load: Load | undefined;
  try {
    await gateway.listen(gatewayPort, '127.0.0.1');
    const base = `http://127.0.0.1:${gatewayPort}`;
    const startMs = await scrapedAfter(prometheus, Date.now());
    const began = Date.now();
    const until = (seconds: number) => sleep(Math.max(0, began + seconds * 1000 - Date.now()));
    const mark = (text: string, details = ''): void => {
      annotations.push({ t: Date.now(), text });
      say(`${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s  ${text}${details}`);
    };
    load = new Load(base);
    await until(STEADY_S);
    mark('steady', ': 150 GetOrder/s (1 in 6 a 404), 5 ListOrders/s');
    const steady = load.steady(150, 5);
    await until(BURST_S);
    mark('burst', `: ${BURST_CALLERS} more callers, back to back`);
    await load.burst(BURST_CALLERS, (AFTER_BURST_S - BURST_S) * 1000);
    mark('steady', ': the burst ends');
    await until(ORDERS_STOP_S);
    mark('orders stopped', ': the orders app closes, the load goes on');
    await orders.close();
    orders = undefined;
    await until(ORDERS_BACK_S);
    mark('orders restarted', ': a new orders app on the same port');
    orders = await startOrders(ordersUrl);
    await until(END_S);
    mark('load stops');
    await load.stop();
    await steady;
    await sleep(QUIET_S * 1000);
    const statsAt = Date.now();
    const stats = (await (await fetch(`${base}/pool`)).json()) as GrpcPoolStats;
    const endMs = await scrapedAfter(prometheus, statsAt);
    return { startMs, endMs, annotations, stats, tally: load.tally };
  } finally {
    await load?.stop();
    await gateway.close();
    await orders?.close();
  }
}

/** Waits for Prometheus to scrape the gateway successfully after `t` (unix ms); that scrape's time. */
async function scrapedAfter(prometheus: PrometheusClient, t: number): Promise<number> {
  const deadline = Date.now() + SCRAPE_WAIT_MS;
  while (Date.now() < deadline) {
    const [last] = await prometheus.query('timestamp(up{job="gateway"} == 1)', Date.now() / 1000);
    const scrapedMs = last === undefined ? 0 : Number(last.value[1]) * 1000;
    if (scrapedMs > t) return scrapedMs;
    await sleep(200);
  }
  throw new Error(`prometheus did not scrape the gateway's /metrics within ${SCRAPE_WAIT_MS} ms`);
}

async function startOrders(url: string): Promise<INestMicroservice> {
  const orders = await createOrdersApp(url);
  orders.useLogger(['warn', 'error']);
  await orders.listen();
  return orders;
}
