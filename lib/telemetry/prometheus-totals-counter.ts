import type { Counter, LabelValues, Registry } from 'prom-client';
import type { PromClient } from './prom-client-api.js';

/** One series of a counter read from running totals; `key` names it across scrapes. */
export interface CounterTotal<L extends string> {
  key: string;
  labels: LabelValues<L>;
  value: number;
}

/**
 * A counter whose series are running totals read at scrape time, so a call
 * pays no label hashing for it. `registry.resetMetrics()` still starts it
 * from zero, as a counter that counted itself would: the totals at that
 * moment are remembered and subtracted from then on.
 */
export function totalsCounter<L extends string>(
  client: PromClient,
  config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] },
  totals: () => Iterable<CounterTotal<L>>,
): Counter<L> {
  const offsets = new Map<string, number>();
  const clearSeries = (counter: Counter<L>): void => client.Counter.prototype.reset.call(counter);
  const counter = new client.Counter<L>({
    ...config,
    labelNames: [...config.labelNames],
    collect() {
      clearSeries(this);
      for (const { key, labels, value } of totals()) {
        this.inc(labels, value - (offsets.get(key) ?? 0));
      }
    },
  });
  counter.reset = () => {
    for (const { key, value } of totals()) offsets.set(key, value);
    clearSeries(counter);
  };
  return counter;
}
