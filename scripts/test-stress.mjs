// Runs a test tier N times while CPU burners keep the machine busy, and prints how often each file passed.
//
//   npm run test:stress -- 10                 the default tier (npm test), 10 runs, two burners
//   npm run test:stress -- 10 --heavy         the heavy tier (npm run test:heavy)
//   npm run test:stress -- 5 --burners 0 -- test/policies/retries.e2e-spec.ts    one file, idle machine
//
// A run also fails when Jest does not exit by itself within EXIT_GUARD_MS of writing its results (an open
// handle: a socket, a timer or a child a test left behind). Exit code 0 only when every run of every file passed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** A whole run of a tier takes minutes; past this it is hung, and is killed and counted as failed. */
const RUN_HANG_GUARD_MS = 30 * 60_000;
/** Jest writes its results, then should exit at once; an open handle keeps it alive past this. */
const EXIT_GUARD_MS = 10_000;

function parseArgs(argv) {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const jestArgs = separator === -1 ? [] : argv.slice(separator + 1);
  const options = { runs: 10, heavy: false, burners: 2, jestArgs };
  for (let i = 0; i < own.length; i++) {
    const arg = own[i];
    if (arg === '--heavy') options.heavy = true;
    else if (arg === '--burners') options.burners = Number(own[++i]);
    else if (/^\d+$/.test(arg)) options.runs = Number(arg);
    else
      throw new Error(
        `test:stress: unknown argument ${arg} (usage: N [--heavy] [--burners K] [-- jest args])`,
      );
  }
  if (!Number.isInteger(options.runs) || options.runs < 1 || options.runs > 1000)
    throw new Error('test:stress: N must be an integer from 1 to 1000');
  if (!Number.isInteger(options.burners) || options.burners < 0 || options.burners > 16)
    throw new Error('test:stress: --burners must be an integer from 0 to 16');
  return options;
}

function startBurners(count) {
  const burners = [];
  for (let i = 0; i < count; i++)
    burners.push(spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
  const stop = () => burners.forEach((burner) => burner.kill('SIGKILL'));
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
      stop();
      process.exit(130);
    });
  return stop;
}

/** One run of Jest; resolves with its results (or null if it wrote none), exit code and whether it exited by itself. */
function runJest({ heavy, jestArgs }, outputFile) {
  const args = [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    join(root, 'node_modules/jest/bin/jest.js'),
    ...(heavy ? ['--config', 'jest.heavy.config.js'] : []),
    '--json',
    `--outputFile=${outputFile}`,
    ...jestArgs,
  ];
  return new Promise((resolve) => {
    const started = Date.now();
    const jest = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    jest.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
    let exitedByItself = true;
    const poll = setInterval(() => {
      if (!existsSync(outputFile)) return;
      if (Date.now() - statSync(outputFile).mtimeMs > EXIT_GUARD_MS) {
        exitedByItself = false;
        jest.kill('SIGKILL');
      }
    }, 500);
    const hangGuard = setTimeout(() => jest.kill('SIGKILL'), RUN_HANG_GUARD_MS);
    jest.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(hangGuard);
      const results = existsSync(outputFile) ? JSON.parse(readFileSync(outputFile, 'utf8')) : null;
      resolve({ results, code, exitedByItself, seconds: (Date.now() - started) / 1000, stderr });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const tier = options.heavy ? 'heavy tier (npm run test:heavy)' : 'default tier (npm test)';
  console.log(`${options.runs} runs of the ${tier} with ${options.burners} CPU burner(s)`);
  const stopBurners = startBurners(options.burners);
  const passes = new Map();
  const failures = [];
  const seconds = [];
  let greenRuns = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'grpc-pool-stress-'));
  try {
    for (let run = 1; run <= options.runs; run++) {
      const outcome = await runJest(options, join(scratch, `run-${run}.json`));
      seconds.push(outcome.seconds);
      const files = outcome.results?.testResults ?? [];
      for (const file of files) {
        const name = relative(root, file.name);
        const entry = passes.get(name) ?? { passed: 0, runs: 0 };
        entry.runs++;
        if (file.status === 'passed') entry.passed++;
        else
          failures.push(
            `run ${run}: ${name}: ${
              file.assertionResults
                .filter((test) => test.status === 'failed')
                .map((test) => test.fullName)
                .join('; ') || file.message.split('\n')[0]
            }`,
          );
        passes.set(name, entry);
      }
      const green = outcome.code === 0 && outcome.exitedByItself && files.length > 0;
      if (green) greenRuns++;
      if (!outcome.exitedByItself)
        failures.push(`run ${run}: Jest did not exit by itself (an open handle)`);
      if (!outcome.results)
        failures.push(
          `run ${run}: no results (exit ${outcome.code}): ${outcome.stderr.slice(-500)}`,
        );
      console.log(
        `run ${run}/${options.runs}: ${green ? 'green' : 'RED'} in ${outcome.seconds.toFixed(0)} s` +
          ` (${files.filter((file) => file.status === 'passed').length}/${files.length} files)`,
      );
    }
  } finally {
    stopBurners();
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log('\npasses per file:');
  for (const [name, { passed, runs }] of [...passes].sort(([a], [b]) => a.localeCompare(b)))
    console.log(`${passed === runs ? '  ' : '!!'} ${passed}/${runs}  ${name}`);
  if (failures.length) console.log(`\nfailures:\n${failures.join('\n')}`);
  console.log(
    `\n${greenRuns}/${options.runs} runs green; run time median ${median(seconds).toFixed(0)} s, ` +
      `max ${Math.max(...seconds).toFixed(0)} s (${options.burners} burner(s))`,
  );
  process.exitCode = greenRuns === options.runs ? 0 : 1;
}

await main();
