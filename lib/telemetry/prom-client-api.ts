import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The parts of prom-client the pool uses (loaded as an optional peer, so only its types here). */
export interface PromClient {
  Counter: typeof Counter;
  Gauge: typeof Gauge;
  Histogram: typeof Histogram;
  register: Registry;
}
