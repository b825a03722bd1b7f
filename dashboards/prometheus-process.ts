import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { prometheusConfig } from './prometheus-config.js';
import { PrometheusClient } from './prometheus-client.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Why Prometheus cannot be run, with the command that installs it; undefined when it can. */
export function prometheusMissing(): string | undefined {
  const probe = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return undefined;
  return 'the `prometheus` binary is needed on the PATH: sudo apt-get install -y prometheus (Debian/Ubuntu), brew install prometheus (macOS)';
}

/**
 * A real Prometheus on a loopback port, its TSDB and config in `dir`,
 * scraping `targets` every second. `stop()` ends it and waits for it to
 * exit; if this process exits first (an error, Ctrl-C), it is killed too.
 */
export class PrometheusProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly client: PrometheusClient,
    private readonly killOnExit: () => void,
  ) {
    child.once('error', (error) => (this.spawnError = error));
  }

  /** Set when the binary could not be started at all (then no 'exit' follows). */
  private spawnError: Error | undefined;

  static async start(dir: string, targets: readonly string[]): Promise<PrometheusProcess> {
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, prometheusConfig(targets));
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=error',
      ],
      // Its own output only matters when it fails: errors go to stderr.
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const prometheus = new PrometheusProcess(
      child,
      new PrometheusClient(`http://127.0.0.1:${port}`),
      killOnExit,
    );
    try {
      await prometheus.waitUntilReady();
    } catch (error) {
      await prometheus.stop();
      throw error;
    }
    return prometheus;
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    const ended = this.child.exitCode !== null || this.child.signalCode !== null;
    if (ended || this.spawnError !== undefined) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    // SIGTERM lets it close the TSDB cleanly; SIGKILL only if that hangs.
    const done = new AbortController();
    const killer = sleep(STOP_TIMEOUT_MS, undefined, { signal: done.signal }).then(
      () => this.child.kill('SIGKILL'),
      () => undefined,
    );
    await exited;
    done.abort();
    await killer;
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.spawnError !== undefined) throw this.spawnError;
      if (this.child.exitCode !== null) {
        throw new Error(`prometheus exited with code ${this.child.exitCode} while starting`);
      }
      if (await this.client.ready()) return;
      await sleep(100);
    }
    throw new Error(`prometheus was not ready after ${READY_TIMEOUT_MS} ms`);
  }
}
