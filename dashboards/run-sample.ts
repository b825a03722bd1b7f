import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestMicroservice } from '@nestjs/common';
import type { GrpcPoolStats } from 'nestjs-grpc-pool';
import { createOrdersApp } from '../sample/orders/orders-app.js';
import { createDemoGatewayApp } from './demo-gateway.js';
import { Load, type Tally } from './load.js';
import { parsePrometheusText } from './prometheus-text.js';
import { ScrapeStore } from './scrape-store.js';
import type { Annotation } from './svg-panel.js';

export interface Run {
  store: ScrapeStore;
  annotations: Annotation[];
  /** The pool's stats() right after the last scrape, with the load stopped. */
  stats: GrpcPoolStats;
  tally: Tally;
}

export const SCRAPE_EVERY_MS = 1000;

/** When each phase begins, in seconds from the start of the load; the run ends at `END_S`. */
const STEADY_S = 0;
const BURST_S = 18;
const BURST_CALLERS = 96;
const AFTER_BURST_S = 33;
const ORDERS_STOP_S = 45;
const ORDERS_BACK_S = 57;
const END_S = 84;

const say = (line: string): boolean => process.stdout.write(`${line}\n`);

/**
 * The sample's orders service and its gateway (with a smaller pool, see
 * `DEMO_POOL`) in this process, on loopback ports, under ~85 s of load in
 * phases; /metrics scraped every second throughout. Everything started here
 * is closed before this returns, whatever fails.
 */
export async function runSample(): Promise<Run> {
  const ordersUrl = `127.0.0.1:${await freePort()}`;
  let orders: INestMicroservice | undefined = await startOrders(ordersUrl);
  const gateway = await createDemoGatewayApp(ordersUrl);
  const store = new ScrapeStore();
  const annotations: Annotation[] = [];
  let scraper: { stop(): Promise<void> } | undefined;
  let load: Load | undefined;
  try {
    await gateway.listen(0, '127.0.0.1');
    const { port } = (gateway.getHttpServer() as Server).address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    scraper = startScraper(base, store);
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
    // A few quiet scrapes: the rates fall to zero and the gauges settle.
    await sleep(3 * SCRAPE_EVERY_MS);
    await scraper.stop();
    await scrapeOnce(base, store);
    const stats = (await (await fetch(`${base}/pool`)).json()) as GrpcPoolStats;
    return { store, annotations, stats, tally: load.tally };
  } finally {
    await load?.stop();
    await scraper?.stop();
    await gateway.close();
    await orders?.close();
  }
}

async function startOrders(url: string): Promise<INestMicroservice> {
  const orders = await createOrdersApp(url);
  orders.useLogger(['warn', 'error']);
  await orders.listen();
  return orders;
}

function startScraper(base: string, store: ScrapeStore): { stop(): Promise<void> } {
  let scraping: Promise<void> | undefined;
  const timer = setInterval(() => {
    // A slow scrape is skipped over rather than overlapped, so points stay in time order.
    scraping ??= scrapeOnce(base, store)
      .catch((error: unknown) => void say(`scrape failed: ${String(error)}`))
      .finally(() => (scraping = undefined));
  }, SCRAPE_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await scraping;
    },
  };
}

/** One scrape, stamped with the time it was asked for, as Prometheus stamps its samples. */
async function scrapeOnce(base: string, store: ScrapeStore): Promise<void> {
  const asked = Date.now();
  const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
  store.add(asked, parsePrometheusText(await response.text()));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
