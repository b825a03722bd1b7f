/**
 * `npm run bench:hot-path`: this tree's build against a baseline build of
 * another revision (BASELINE_REV, default `main`), side by side in one run,
 * on the empty-unary scenario (64 callers, one channel, one backend child
 * process), for `getService`, `getAsyncService` and the callback client
 * (`getClientByServiceName`). A refactoring of the
 * per-call path must show no loss here.
 *
 * The baseline is exported with `git archive` into a temporary directory and
 * compiled there against this tree's node_modules (a symlink), so both builds
 * run on the very same grpc-js, rxjs and Nest modules; the directory is
 * removed at the end. Rounds are interleaved (A B, A B, ...; BENCH_ROUNDS,
 * default 7; BENCH_SECONDS per run, default 3) so machine noise hits both
 * alike; medians of calls/s and of client CPU µs per call are printed with
 * the ratio new/baseline. A run with an error or a wrong reply marks its
 * contender broken. BENCH_POLICIES=1 runs both pools with the call-policy
 * layers in use (bench/contenders.ts ALL_POLICIES: a default deadline,
 * retries, one call interceptor). Figures are printed, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Logger } from '@nestjs/common';
import { firstValueFrom, type Observable } from 'rxjs';
import { startBackend, type BackendProcess } from './backend-process.js';
import { BENCH_PACKAGE, BENCH_PROTO } from './bench-proto.js';
import { ALL_POLICIES } from './contenders.js';
import { median, runLoad, type CallFn } from './load.js';

type Library = typeof import('../dist/index.js');
type Facade = 'getService' | 'getAsyncService' | 'getClientByServiceName';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const BASELINE_REV = process.env.BASELINE_REV ?? 'main';
const CALLERS = 64;
const WARM_UP_MS = 1000;
const FACADES: Facade[] = ['getService', 'getAsyncService', 'getClientByServiceName'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = { message: '' };
const VARIANT = process.env.BENCH_POLICIES === '1' ? ALL_POLICIES : undefined;

/** One build's client for one facade, and what its runs measured. */
interface Contender {
  build: string;
  facade: Facade;
  call: CallFn;
  callsPerSecond: number[];
  cpuMicrosPerCall: number[];
  /** Why it is not comparable (an error, a wrong reply, no call at all), once one run showed it. */
  broken?: string;
  /** Replies that were the echo expected, in the current run. */
  replies: number;
  wrongReplies: number;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** Exports `rev` into a temporary directory and compiles it there; returns the directory. */
function buildBaseline(rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hot-path-baseline-'));
  const tar = execFileSync('git', ['archive', '--format=tar', rev], {
    cwd: ROOT,
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  // The same node_modules: both builds load one grpc-js, so only the library differs.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: dir,
    stdio: 'inherit',
  });
  return dir;
}

/** The pool of the bench's empty-unary scenario (bench/contenders.ts `benchPool`, one channel). */
function openPool(library: Library, url: string): InstanceType<Library['GrpcPool']> {
  const pool = new library.GrpcPool({
    name: 'BENCH',
    url,
    package: BENCH_PACKAGE,
    protoPath: BENCH_PROTO,
    pool: { minChannels: 1, maxChannels: 1, maxConcurrentCallsPerChannel: 100 },
    ...VARIANT?.options,
  });
  pool.onModuleInit();
  return pool;
}

type EchoCall = (request: object) => unknown;

/** A contender whose calls count the replies they get: a wrong one makes it broken. */
function contender(build: string, facade: Facade, echo: EchoCall): Contender {
  const self: Contender = {
    build,
    facade,
    callsPerSecond: [],
    cpuMicrosPerCall: [],
    replies: 0,
    wrongReplies: 0,
    call: undefined as unknown as CallFn,
  };
  const check = (reply: unknown): void => {
    if ((reply as { message?: unknown } | null)?.message === '') self.replies++;
    else self.wrongReplies++;
  };
  if (facade === 'getService') {
    self.call = () => firstValueFrom(echo(REQUEST) as Observable<unknown>).then(check);
  } else if (facade === 'getAsyncService') {
    self.call = () => (echo(REQUEST) as Promise<unknown>).then(check);
  } else {
    // grpc-js's own callback client shape: the promise around it costs both builds alike.
    const callback = echo as (
      request: object,
      done: (error: Error | null, reply?: unknown) => void,
    ) => unknown;
    self.call = () =>
      new Promise<unknown>((resolve, reject) => {
        callback(REQUEST, (error, reply) => (error ? reject(error) : resolve(reply)));
      }).then(check);
  }
  return self;
}

function services(build: string, pool: InstanceType<Library['GrpcPool']>): Contender[] {
  type Echo = { echo: EchoCall };
  return [
    contender(build, 'getService', pool.getService<Echo>('EchoService').echo),
    contender(build, 'getAsyncService', pool.getAsyncService<Echo>('EchoService').echo),
    contender(build, 'getClientByServiceName', callbackEcho(pool)),
  ];
}

/** The callback client's `echo`, bound to its client (grpc-js methods read `this`). */
function callbackEcho(pool: InstanceType<Library['GrpcPool']>): EchoCall {
  const client = pool.getClientByServiceName<{ echo: EchoCall }>('EchoService');
  return client.echo.bind(client);
}

async function run(entry: Contender, durationMs: number, record: boolean): Promise<void> {
  globalThis.gc?.();
  entry.replies = 0;
  entry.wrongReplies = 0;
  const result = await runLoad(entry.call, CALLERS, durationMs);
  if (!record || entry.broken !== undefined) return;
  if (result.errors > 0) entry.broken = `${result.errors} errors in a run`;
  else if (entry.wrongReplies > 0) entry.broken = `${entry.wrongReplies} wrong replies in a run`;
  else if (entry.replies === 0) entry.broken = 'no call completed in a run';
  entry.callsPerSecond.push(result.callsPerSecond);
  entry.cpuMicrosPerCall.push(result.cpuMicrosPerCall);
}

const BUILD_WIDTH = 36;
const pad = (text: string, width: number): string => text.padEnd(width);
const num = (value: number, digits = 0): string => value.toFixed(digits).padStart(10);
/** The runs' lowest and highest value: how far apart rounds were (the noise to judge a ratio by). */
const range = (values: number[], digits: number): string =>
  `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`.padEnd(13);

function report(baseline: Contender, candidate: Contender): string {
  const rows = [baseline, candidate].map((c) => {
    const state = c.broken === undefined ? '' : `  BROKEN: ${c.broken}`;
    return (
      `${pad(c.facade, 22)} ${pad(c.build, BUILD_WIDTH)}` +
      `${num(median(c.callsPerSecond))} ${num(median(c.cpuMicrosPerCall), 1)}` +
      `   ${range(c.callsPerSecond, 0)}   ${range(c.cpuMicrosPerCall, 1)}${state}`
    );
  });
  const speed = median(candidate.callsPerSecond) / median(baseline.callsPerSecond);
  const cpu = median(candidate.cpuMicrosPerCall) / median(baseline.cpuMicrosPerCall);
  rows.push(
    `${pad(candidate.facade, 22)} ${pad('new/baseline', BUILD_WIDTH)}${num(speed, 3)} ${num(cpu, 3)}`,
  );
  return rows.join('\n');
}

function ratios(baseline: Contender, candidate: Contender): string {
  const broken = baseline.broken !== undefined || candidate.broken !== undefined;
  if (broken) return `${candidate.facade} not comparable (broken)`;
  const speed = median(candidate.callsPerSecond) / median(baseline.callsPerSecond);
  const cpu = median(candidate.cpuMicrosPerCall) / median(baseline.cpuMicrosPerCall);
  return `${candidate.facade} calls/s x${speed.toFixed(3)}, CPU/call x${cpu.toFixed(3)}`;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const baselineCommit = git('rev-parse', '--short', `${BASELINE_REV}^{commit}`);
  const dirty = git('status', '--porcelain', '--', 'lib') === '' ? '' : ' + uncommitted';
  const newLabel = `this tree (${git('rev-parse', '--short', 'HEAD')}${dirty})`;
  const baselineLabel = `${BASELINE_REV} (${baselineCommit})`;
  console.log(`building the baseline ${baselineLabel} ...`);
  const baselineDir = buildBaseline(BASELINE_REV);
  let backend: BackendProcess | undefined;
  const pools: { close(): Promise<void> | void }[] = [];
  try {
    const library = (await import('../dist/index.js')) as Library;
    const baselineLibrary = (await import(
      pathToFileURL(join(baselineDir, 'dist', 'index.js')).href
    )) as Library;
    backend = await startBackend();
    const basePool = openPool(baselineLibrary, backend.address);
    const newPool = openPool(library, backend.address);
    pools.push(basePool, newPool);
    const baseline = services(baselineLabel, basePool);
    const candidate = services(newLabel, newPool);
    console.log(
      `empty unary, ${CALLERS} callers, 1 channel${VARIANT ? `, ${VARIANT.label}` : ''}: ` +
        `${ROUNDS} rounds x ${SECONDS} s, interleaved`,
    );
    for (const entry of [...baseline, ...candidate]) await run(entry, WARM_UP_MS, false);
    for (let round = 0; round < ROUNDS; round++) {
      for (let f = 0; f < FACADES.length; f++) {
        await run(baseline[f], SECONDS * 1000, true);
        await run(candidate[f], SECONDS * 1000, true);
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const columns = '   calls/s CPU µs/call   calls/s range CPU µs range';
    console.log(
      `\n${pad('facade', 22)} ${pad('build', BUILD_WIDTH)}${columns}   (medians, then min-max)`,
    );
    for (let f = 0; f < FACADES.length; f++) console.log(report(baseline[f], candidate[f]));
    const broken = [...baseline, ...candidate].filter((c) => c.broken !== undefined);
    const brokenText =
      broken.length === 0
        ? 'none broken'
        : `BROKEN: ${broken.map((c) => `${c.build} ${c.facade}`).join(', ')}`;
    const summary = FACADES.map((_, f) => ratios(baseline[f], candidate[f])).join('; ');
    console.log(`\nSUMMARY hot path vs ${baselineLabel}: ${summary}; ${brokenText}`);
  } finally {
    for (const pool of pools) await pool.close();
    await backend?.stop();
    rmSync(baselineDir, { recursive: true, force: true });
  }
}

await main();
