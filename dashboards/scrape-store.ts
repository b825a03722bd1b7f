import type { TextSample } from './prometheus-text.js';

export interface Point {
  /** Unix ms: when the scrape was asked for, as Prometheus stamps it. */
  t: number;
  v: number;
}

export interface Series {
  name: string;
  labels: Readonly<Record<string, string>>;
  points: Point[];
}

/** What `save()` writes: plain JSON, non-finite values as strings. */
interface SavedScrapes {
  times: number[];
  series: { name: string; labels: Record<string, string>; points: [number, number | string][] }[];
}

const keyOf = (name: string, labels: Record<string, string>): string =>
  `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

/**
 * Scrapes kept as a time series database keeps them: one series per metric
 * name and label set, a point per scrape it appeared in. A series missing
 * from a scrape is stale from then on, as Prometheus marks it.
 */
export class ScrapeStore {
  readonly times: number[] = [];
  private readonly byKey = new Map<string, Series>();
  private readonly byName = new Map<string, Series[]>();

  add(t: number, samples: readonly TextSample[]): void {
    this.times.push(t);
    for (const { name, labels, value } of samples) {
      const key = keyOf(name, labels);
      let series = this.byKey.get(key);
      if (series === undefined) {
        series = { name, labels, points: [] };
        this.byKey.set(key, series);
        this.byName.set(name, [...(this.byName.get(name) ?? []), series]);
      }
      series.points.push({ t, v: value });
    }
  }

  named(name: string): readonly Series[] {
    return this.byName.get(name) ?? [];
  }

  namesStartingWith(prefix: string): string[] {
    return [...this.byName.keys()].filter((name) => name.startsWith(prefix));
  }

  /** The series' value in the last scrape at or before `t`; undefined when it was not in it. */
  instant(series: Series, t: number): number | undefined {
    const scrape = this.lastScrapeAtOrBefore(t);
    if (scrape === undefined) return undefined;
    const point = series.points[lastIndexAtOrBefore(series.points, scrape)];
    return point?.t === scrape ? point.v : undefined;
  }

  /** The points in `(t - windowMs, t]`: Prometheus 3 range selectors are open on the left. */
  range(series: Series, t: number, windowMs: number): Point[] {
    return series.points.filter((point) => point.t > t - windowMs && point.t <= t);
  }

  save(): string {
    const saved: SavedScrapes = {
      times: this.times,
      series: [...this.byKey.values()].map(({ name, labels, points }) => ({
        name,
        labels: { ...labels },
        points: points.map(({ t, v }) => [t, Number.isFinite(v) ? v : String(v)]),
      })),
    };
    return JSON.stringify(saved);
  }

  static load(json: string): ScrapeStore {
    const saved = JSON.parse(json) as SavedScrapes;
    const store = new ScrapeStore();
    const perScrape = new Map<number, TextSample[]>(saved.times.map((t) => [t, []]));
    for (const { name, labels, points } of saved.series) {
      for (const [t, v] of points) perScrape.get(t)?.push({ name, labels, value: Number(v) });
    }
    for (const [t, samples] of perScrape) store.add(t, samples);
    return store;
  }

  private lastScrapeAtOrBefore(t: number): number | undefined {
    let low = 0;
    let high = this.times.length - 1;
    let found: number | undefined;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.times[middle] <= t) {
        found = this.times[middle];
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }
}

function lastIndexAtOrBefore(points: readonly Point[], t: number): number {
  let index = points.length - 1;
  while (index >= 0 && points[index].t > t) index--;
  return index;
}
