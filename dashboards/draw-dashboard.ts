import { writeFileSync } from 'node:fs';
import type { Dashboard } from './dashboard-model.js';
import { DEMO_POOL } from './demo-pool.js';
import { composePng, panelBox } from './compose-png.js';
import { grafanaInterval, grafanaRateInterval, type QueryVariables } from './grafana-variables.js';
import { panelSpec } from './panel-spec.js';
import { queryPanel, type TimeGrid } from './panel-series.js';
import type { PrometheusClient } from './prometheus-client.js';
import { SCRAPE_INTERVAL_S } from './prometheus-config.js';
import type { Run } from './run-sample.js';

const PAGE_WIDTH = 1600;

/**
 * The dashboard over the run, as Grafana would show it with every variable
 * at All: each panel's own PromQL through Prometheus's query_range, drawn by
 * Vega-Lite, composed into one PNG at `pngPath`.
 */
export async function drawDashboard(
  dashboard: Dashboard,
  run: Run,
  prometheus: PrometheusClient,
  pngPath: string,
): Promise<void> {
  const start = Math.ceil(run.startMs / 1000);
  const end = Math.floor(run.endMs / 1000);
  // Grafana asks for about one point per pixel of the panel's width.
  const maxDataPoints = Math.round(panelBox({ x: 0, y: 0, w: 12, h: 1 }, PAGE_WIDTH).width);
  const intervalS = grafanaInterval(end - start, maxDataPoints, SCRAPE_INTERVAL_S);
  const grid: TimeGrid = { start, end, stepS: intervalS };
  const variables: QueryVariables = {
    intervalS,
    rateIntervalS: grafanaRateInterval(intervalS, SCRAPE_INTERVAL_S),
    values: Object.fromEntries(dashboard.variables.map(({ name }) => [name, 'All'])),
  };
  const panels = await Promise.all(
    dashboard.panels.map(async (panel) => {
      const series = await queryPanel(prometheus, panel, variables, grid);
      return {
        gridPos: panel.gridPos,
        spec: (size: { width: number; height: number }) =>
          panelSpec(panel, series, grid, run.annotations, size),
      };
    }),
  );
  const utc = (unixS: number): string =>
    new Date(unixS * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const png = await composePng({
    width: PAGE_WIDTH,
    title: dashboard.title,
    timeRange: `${utc(start)} to ${utc(end).slice(11)} UTC`,
    variables: dashboard.variables.map(({ name, label }) => ({
      label,
      value: name === 'datasource' ? 'Prometheus' : 'All',
    })),
    footer:
      `Drawn by dashboards/render.ts: Prometheus scraped the sample gateway's /metrics every ${SCRAPE_INTERVAL_S} s; ` +
      `each panel's PromQL ran through query_range (step ${intervalS} s, $__rate_interval = ${variables.rateIntervalS}s, every variable at All), drawn with Vega-Lite. ` +
      `Pool: ${DEMO_POOL.minChannels} to ${DEMO_POOL.maxChannels} channels x ${DEMO_POOL.maxConcurrentCallsPerChannel} calls. Dashed blue lines: the load phases.`,
    panels,
  });
  writeFileSync(pngPath, png);
}
