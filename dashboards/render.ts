/**
 * Draws dashboards/grpc-pool.json as Grafana would show it over ~85 s of the
 * sample under load, into dashboards/grpc-pool.png:
 *
 *   npm run dashboards:render      (builds, then runs this script)
 *
 * Needs the `prometheus` binary (Debian/Ubuntu: sudo apt-get install -y prometheus).
 * A real Prometheus scrapes the sample gateway's /metrics every second into
 * a temporary TSDB while run-sample.ts puts the sample under load in phases;
 * then each panel's own PromQL runs through Prometheus's query_range and is
 * drawn with Vega-Lite (draw-dashboard.ts). Prometheus and the sample are
 * stopped before the script ends, whatever fails.
 *
 * --keep DIR keeps Prometheus's TSDB and the run's facts in DIR;
 * --redraw DIR draws them again without running the sample (to work on the drawing).
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDashboard } from './dashboard-model.js';
import { drawDashboard } from './draw-dashboard.js';
import { freePort } from './free-port.js';
import { checkMetrics } from './metric-checks.js';
import { PrometheusProcess, prometheusMissing } from './prometheus-process.js';
import type { Run } from './run-sample.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { keep: { type: 'string' }, redraw: { type: 'string' } },
  });
  const began = Date.now();
  const dashboard = loadDashboard(here('grpc-pool.json'));
  const dir = args.redraw ?? args.keep ?? mkdtempSync(join(tmpdir(), 'grpc-pool-dashboard-'));
  const temporary = args.redraw === undefined && args.keep === undefined;
  // On Ctrl-C or kill, exit normally: the exit handlers stop Prometheus and remove its files.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  if (temporary) process.once('exit', removeDir);
  let prometheus: PrometheusProcess | undefined;
  try {
    let run: Run;
    if (args.redraw !== undefined) {
      run = readRun(dir);
      prometheus = await PrometheusProcess.start(dir, []);
    } else {
      if (!existsSync(here('../dist/index.js'))) {
        throw new Error(
          "the sample imports 'nestjs-grpc-pool' from dist/: run `npm run build` first",
        );
      }
      mkdirSync(dir, { recursive: true });
      const gatewayPort = await freePort();
      prometheus = await PrometheusProcess.start(dir, [`127.0.0.1:${gatewayPort}`]);
      // Imported here, after the check: the sample's modules load the built package.
      const { runSample } = await import('./run-sample.js');
      run = await runSample(gatewayPort, prometheus.client);
      writeRun(dir, run);
    }
    await drawDashboard(dashboard, run, prometheus.client, here('grpc-pool.png'));
    say(`wrote dashboards/grpc-pool.png (${((Date.now() - began) / 1000).toFixed(0)} s)`);

    say('\nanswers by request and HTTP status:');
    for (const [key, count] of [...run.tally].sort()) say(`  ${key}: ${count}`);
    const findings = await checkMetrics(prometheus.client, dashboard, run);
    say(findings.length === 0 ? '\nmetrics checks: nothing odd' : '\nmetrics checks:');
    for (const finding of findings) say(`  - ${finding}`);
  } finally {
    await prometheus?.stop();
    if (temporary) {
      removeDir();
      process.removeListener('exit', removeDir);
    }
  }
}

const runFile = (dir: string): string => join(dir, 'run.json');

function writeRun(dir: string, run: Run): void {
  writeFileSync(runFile(dir), JSON.stringify({ ...run, tally: [...run.tally] }));
}

function readRun(dir: string): Run {
  const saved = JSON.parse(readFileSync(runFile(dir), 'utf8')) as Omit<Run, 'tally'> & {
    tally: [string, number][];
  };
  return { ...saved, tally: new Map(saved.tally) };
}

const missing = prometheusMissing();
if (missing !== undefined) {
  process.stderr.write(`${missing}\n`);
  process.exitCode = 1;
} else {
  main().catch(fail);
}

function fail(error: unknown): void {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
