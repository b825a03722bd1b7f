import type { Panel, SeriesStyle } from './dashboard-model.js';
import { interpolate, legendName, type QueryVariables } from './grafana-variables.js';
import { namedColor, paletteColor } from './grafana-theme.js';
import { sampleValue, type PrometheusClient } from './prometheus-client.js';

/** The range every panel is queried over, in unix seconds, and its step (`$__interval`). */
export interface TimeGrid {
  start: number;
  end: number;
  stepS: number;
}

/** One line of a panel: its name from the legendFormat, how it is drawn, a value (or a gap) per step. */
export interface PanelSeries {
  name: string;
  refId: string;
  style: SeriesStyle;
  color: string;
  /** Aligned with `gridTimes(grid)`; null where Prometheus has no value (no sample, NaN). */
  values: (number | null)[];
}

export const gridTimes = ({ start, end, stepS }: TimeGrid): number[] =>
  Array.from({ length: Math.floor((end - start) / stepS) + 1 }, (_, i) => start + i * stepS);

/**
 * A panel's series as Grafana would get them: each target's PromQL, with the
 * variables substituted, through Prometheus's `query_range`, named by the
 * target's legendFormat and sorted by name within a target.
 */
export async function queryPanel(
  prometheus: PrometheusClient,
  panel: Panel,
  variables: QueryVariables,
  grid: TimeGrid,
): Promise<PanelSeries[]> {
  const steps = gridTimes(grid).length;
  const perTarget = await Promise.all(
    panel.targets.map(async ({ refId, expr, legendFormat }) => {
      const result = await prometheus.queryRange(
        interpolate(expr, variables),
        grid.start,
        grid.end,
        grid.stepS,
      );
      return result
        .map(({ metric, values: samples }) => {
          const values = new Array<number | null>(steps).fill(null);
          for (const [t, text] of samples) {
            values[Math.round((t - grid.start) / grid.stepS)] = sampleValue(text);
          }
          return { name: legendName(legendFormat, metric), refId, values };
        })
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    }),
  );
  return perTarget.flat().map((series, index) => {
    const style = panel.styleOf(series.name, series.refId);
    const color = style.color === undefined ? paletteColor(index) : namedColor(style.color);
    return { ...series, style, color };
  });
}

/** The largest value of any of the series (0 when none), for axis units and threshold bands. */
export function largest(series: readonly PanelSeries[]): number {
  let most = 0;
  for (const { values } of series) for (const v of values) if (v !== null && v > most) most = v;
  return most;
}
