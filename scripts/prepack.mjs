// npm runs this before it packs (`npm pack`, `npm publish`): the tarball takes every dist/**/*.js and
// .d.ts, and `npm run build` never deletes, so a file moved or removed in lib/ would otherwise ship
// from an old build beside its new place. Empties dist/ and builds it again. Writes to stderr only:
// .ci/consumer-app.sh reads the tarball's name from `npm pack`'s stdout.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: ['ignore', process.stderr, process.stderr],
});
