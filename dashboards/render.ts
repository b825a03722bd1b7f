/**
 * Draws dashboards/grpc-pool.json as Grafana would show it over ~85 s of the
 * sample under load, into dashboards/grpc-pool.svg and grpc-pool.png:
 *
 *   npm run build && node --import tsx dashboards/render.ts
 *
 * The sample's orders service and gateway run in this process (see
 * run-sample.ts for the load phases); /metrics is scraped every second; each
 * panel's own PromQL, read from the JSON, is evaluated over the scrapes at
 * every scrape time (promql-eval.ts), with the variables at "All" and
 * `$__rate_interval` as Grafana computes it for a 1 s scrape interval.
 * The PNG needs rsvg-convert (Debian: apt-get install librsvg2-bin).
 *
 * --save-scrapes FILE keeps the scrapes; --from-scrapes FILE draws them
 * again without running the sample (to work on the drawing).
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { interpolate, legendName, loadDashboard, type Dashboard } from './dashboard-model.js';
import { DEMO_POOL } from './demo-pool.js';
import { checkMetrics } from './metric-checks.js';
import { evaluate } from './promql-eval.js';
import { parsePromQL } from './promql-parse.js';
import type { Run } from './run-sample.js';
import { ScrapeStore } from './scrape-store.js';
import { drawDashboard } from './svg-dashboard.js';
import type { DrawnSeries } from './svg-panel.js';

/** Grafana's $__rate_interval: max($__interval + scrape interval, 4 x scrape interval), 1 s scrapes. */
const RATE_INTERVAL = '4s';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { 'save-scrapes': { type: 'string' }, 'from-scrapes': { type: 'string' } },
  });
  const converter = spawnSync('rsvg-convert', ['--version'], { encoding: 'utf8' });
  if (converter.error !== undefined) {
    throw new Error(
      'rsvg-convert is needed to turn the SVG into a PNG: apt-get install librsvg2-bin (Debian/Ubuntu), brew install librsvg (macOS)',
    );
  }
  const dashboard = loadDashboard(here('grpc-pool.json'));
  const run = args['from-scrapes'] ? loadRun(args['from-scrapes']) : await runFresh();
  if (args['save-scrapes']) saveRun(args['save-scrapes'], run);

  const times = run.store.times;
  const svg = drawDashboard({
    dashboard,
    variableValues: { datasource: 'Prometheus' },
    timeRange: `${new Date(times[0]).toISOString().slice(0, 19).replace('T', ' ')} to ${new Date(times[times.length - 1]).toISOString().slice(11, 19)} UTC`,
    times,
    series: evaluatePanels(dashboard, run.store),
    annotations: run.annotations,
    footer: `Drawn by dashboards/render.ts from ${times.length} scrapes of the sample gateway's /metrics, 1 s apart, each panel's PromQL evaluated with $__rate_interval = ${RATE_INTERVAL} and every variable at All. Pool: ${DEMO_POOL.minChannels} to ${DEMO_POOL.maxChannels} channels x ${DEMO_POOL.maxConcurrentCallsPerChannel} calls. Dashed blue lines: the script's load phases.`,
  });
  writeFileSync(here('grpc-pool.svg'), svg);
  const converted = spawnSync(
    'rsvg-convert',
    ['-o', here('grpc-pool.png'), here('grpc-pool.svg')],
    {
      encoding: 'utf8',
    },
  );
  if (converted.status !== 0) throw new Error(`rsvg-convert failed: ${converted.stderr}`);
  say(`wrote dashboards/grpc-pool.svg and dashboards/grpc-pool.png`);

  say('\nanswers by request and HTTP status:');
  for (const [key, count] of [...run.tally].sort()) say(`  ${key}: ${count}`);
  const findings = checkMetrics(run.store, run.stats);
  say(findings.length === 0 ? '\nmetrics checks: nothing odd' : '\nmetrics checks:');
  for (const finding of findings) say(`  - ${finding}`);
}

async function runFresh(): Promise<Run> {
  if (!existsSync(here('../dist/index.js'))) {
    throw new Error("the sample imports 'nestjs-grpc-pool' from dist/: run `npm run build` first");
  }
  // Imported here, after the check: the sample's modules load the built package.
  const { runSample } = await import('./run-sample.js');
  return runSample();
}

/** Every panel's series: its targets' PromQL at each scrape time, named by their legendFormat. */
function evaluatePanels(dashboard: Dashboard, store: ScrapeStore): DrawnSeries[][] {
  return dashboard.panels.map((panel) =>
    panel.targets.flatMap(({ refId, expr, legendFormat }) => {
      const query = parsePromQL(interpolate(expr, RATE_INTERVAL));
      const byName = new Map<string, DrawnSeries>();
      store.times.forEach((t, index) => {
        for (const { labels, value } of evaluate(query, store, t)) {
          const name = legendName(legendFormat, labels);
          let series = byName.get(name);
          if (series === undefined) {
            series = { name, refId, values: store.times.map(() => undefined) };
            byName.set(name, series);
          }
          series.values[index] = value;
        }
      });
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    }),
  );
}

function saveRun(path: string, run: Run): void {
  const { store, ...rest } = run;
  writeFileSync(path, JSON.stringify({ ...rest, tally: [...run.tally], store: store.save() }));
}

function loadRun(path: string): Run {
  const saved = JSON.parse(readFileSync(path, 'utf8')) as Omit<Run, 'store' | 'tally'> & {
    store: string;
    tally: [string, number][];
  };
  return { ...saved, store: ScrapeStore.load(saved.store), tally: new Map(saved.tally) };
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
