import type { TopLevelSpec } from 'vega-lite';
import type { Panel } from './dashboard-model.js';
import { VEGA_CONFIG } from './grafana-theme.js';
import { unitLabelExpr } from './grafana-units.js';
import { legendLayout, type Legend } from './panel-legend.js';
import {
  annotationLayers,
  thresholdLayers,
  type Annotation,
  type Layer,
} from './panel-overlays.js';
import { gridTimes, largest, type PanelSeries, type TimeGrid } from './panel-series.js';

/** One data row of a panel: a series' value at a step, with how that series is drawn. */
interface Row {
  t: number;
  v: number | null;
  series: string;
  fill: number;
  step: boolean;
}

/**
 * A Grafana time-series panel as a Vega-Lite spec of `width` x `height` px:
 * lines coloured and dashed as the panel's overrides say, areas under them
 * at the field's fillOpacity (stacked when the panel stacks), series on the
 * right axis scaled on their own, thresholds and annotations behind, and the
 * legend below.
 */
export function panelSpec(
  panel: Panel,
  series: readonly PanelSeries[],
  grid: TimeGrid,
  annotations: readonly Annotation[],
  size: { width: number; height: number },
): TopLevelSpec {
  const legend = legendLayout(series, panel, size.width);
  const left = series.filter((one) => one.style.axis === 'left');
  const right = series.filter((one) => one.style.axis === 'right');
  const axes = [
    { layers: axisLayers(panel, left, series, grid, 'left', legend) },
    ...(right.length === 0
      ? []
      : [{ layers: axisLayers(panel, right, series, grid, 'right', legend) }]),
  ];
  const behind = [
    ...thresholdLayers(panel, largest(left)),
    ...annotationLayers(annotations.filter(({ t }) => t >= grid.start * 1000)),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: VEGA_CONFIG,
    title: panel.title,
    ...size,
    autosize: { type: 'fit', contains: 'padding' },
    padding: { left: 8, right: 8, top: 8, bottom: 8 },
    // Left and right axes scale apart; the colour legend stays one legend.
    resolve: { scale: { y: 'independent' } },
    layer: [
      { layer: [...behind, ...axes[0].layers] },
      ...axes.slice(1).map(({ layers }) => ({ layer: layers })),
    ],
  } as TopLevelSpec;
}

/** The layers of the series on one axis; colours and dashes are keyed by every series of the panel (`all`). */
function axisLayers(
  panel: Panel,
  series: readonly PanelSeries[],
  all: readonly PanelSeries[],
  grid: TimeGrid,
  orient: 'left' | 'right',
  legend: Legend,
): Layer[] {
  if (series.length === 0) return [];
  const times = gridTimes(grid).map((t) => t * 1000);
  const values: Row[] = series.flatMap(({ name, style, values: points }) =>
    points.map((v, i) => ({
      t: times[i],
      // Stacked areas need a number at every step: Grafana stacks a missing series as 0.
      v: panel.stacked ? (v ?? 0) : v,
      series: name,
      // Grafana's `opacity` gradient fades the fill to nothing at the bottom: about half of it on average.
      fill: (style.fillOpacity / 100) * (panel.gradient ? 0.5 : 1),
      step: style.stepAfter,
    })),
  );
  const { unit, decimals, axisLabel } = series[0].style;
  const names = all.map(({ name }) => name);
  const encoding = {
    x: {
      field: 't',
      type: 'temporal',
      title: null,
      scale: { type: 'utc', domain: [times[0], times[times.length - 1]] },
      axis: { format: '%H:%M:%S', tickCount: 8, labelFlush: true },
    },
    y: {
      field: 'v',
      type: 'quantitative',
      ...(panel.stacked ? { stack: 'zero' } : { stack: null }),
      title: axisLabel || null,
      scale: { zero: true, nice: true, domainMin: panel.min, domainMax: panel.max },
      axis: {
        orient,
        labelExpr: unitLabelExpr(unit, largest(series)),
        tickCount: 5,
        ...(decimals === 0 ? { tickMinStep: 1 } : {}),
        grid: orient === 'left',
      },
    },
    color: {
      field: 'series',
      type: 'nominal',
      scale: { domain: names, range: all.map(({ color }) => color) },
      legend,
    },
    strokeDash: {
      field: 'series',
      type: 'nominal',
      scale: { domain: names, range: all.map(({ style }) => (style.dashed ? [6, 4] : [1, 0])) },
      legend,
    },
  };
  const layers: Layer[] = [];
  for (const step of [false, true]) {
    const interpolate = step ? 'step-after' : 'linear';
    const ofKind = `datum.step === ${step}`;
    if (!values.some((row) => row.step === step)) continue;
    layers.push({
      data: { values },
      transform: [{ filter: `${ofKind} && datum.fill > 0` }],
      mark: { type: 'area', interpolate, invalid: 'break-paths-filter-domains' },
      encoding: {
        ...encoding,
        strokeDash: undefined,
        fillOpacity: { field: 'fill', type: 'quantitative', scale: null, legend: null },
      },
    } as Layer);
    if (series[0].style.lineWidth > 0) {
      layers.push({
        data: { values },
        transform: [{ filter: ofKind }],
        mark: {
          type: 'line',
          interpolate,
          strokeWidth: series[0].style.lineWidth * 1.5,
          invalid: 'break-paths-filter-domains',
        },
        encoding,
      } as Layer);
    }
  }
  return layers;
}
