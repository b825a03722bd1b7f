/* eslint-disable no-console -- a CI script reports on the console */
// CI: the tarball npm would publish holds exactly what a consumer needs, nothing more, nothing less:
// package.json, README.md, LICENSE, CHANGELOG.md, the build of every non-spec lib/**/*.ts (its .js and
// .d.ts under dist/) and protos/google/**. A spec file, a layer probe (scripts/check-layer-rule.mjs writes
// __layer-probe* files into lib/), a source map or a file a move left in dist/ fails it, and so does a
// missing file. `npm pack --dry-run` runs prepack, which empties dist/ and builds it again.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const walk = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? walk(join(dir, entry.name))
      : [relative(root, join(root, dir, entry.name))],
  );
const posix = (path) => path.split('\\').join('/');

const [report] = JSON.parse(
  execFileSync(npm, ['pack', '--dry-run', '--json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }),
);
const packed = new Set(report.files.map((file) => posix(file.path)));

const sources = walk('lib')
  .map(posix)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts'));
const expected = new Set([
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  ...sources.flatMap((file) => {
    const base = file.replace(/^lib\//, 'dist/').replace(/\.ts$/, '');
    return [`${base}.js`, `${base}.d.ts`];
  }),
  ...walk('protos/google').map(posix),
]);

const unexpected = [...packed].filter((file) => !expected.has(file)).sort();
const missing = [...expected].filter((file) => !packed.has(file)).sort();
const probes = sources.filter((file) => /__layer-probe/.test(file));
if (probes.length > 0)
  unexpected.push(...probes.map((file) => `${file} (a layer probe left in lib/)`));

if (unexpected.length > 0 || missing.length > 0) {
  if (unexpected.length > 0)
    console.error(`In the tarball but not expected:\n  ${unexpected.join('\n  ')}`);
  if (missing.length > 0)
    console.error(`Expected but not in the tarball:\n  ${missing.join('\n  ')}`);
  console.error('Fix package.json "files" (or lib/), then run node .ci/check-pack-list.mjs again.');
  process.exit(1);
}
const dist = [...packed].filter((file) => file.startsWith('dist/'));
console.log(
  `Pack list OK: ${packed.size} files (${report.name}-${report.version}, ${report.size} bytes packed): ` +
    `package.json, README.md, LICENSE, CHANGELOG.md, ${dist.length} under dist/ (${sources.length} modules, .js + .d.ts), ` +
    `${[...packed].filter((file) => file.startsWith('protos/')).length} under protos/google/.`,
);
