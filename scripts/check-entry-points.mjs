// The public API report (api/nestjs-grpc-pool.api.md) covers one entry point, dist/index.d.ts (the
// `mainEntryPointFilePath` of api-extractor.json). This check, run by `npm run api:check`, fails when
// package.json opens another door that the report would not see: a second subpath in "exports", a
// "main"/"types"/"module" field or an "exports" target that points elsewhere, or "typesVersions"
// (which can redirect the types of any path).
//
//   node scripts/check-entry-points.mjs
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Every file the package may name as an entry, and the subpaths its "exports" may have. */
const ENTRY_FILES = new Set(['./dist/index.js', './dist/index.d.ts', './package.json']);
const SUBPATHS = ['.', './package.json'];

/** Every string an "exports" value holds, through its conditions. */
function targetsOf(value) {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(targetsOf);
}

const problems = [];
const exportsField = pkg.exports ?? {};
const subpaths = Object.keys(exportsField);
const extraSubpaths = subpaths.filter((subpath) => !SUBPATHS.includes(subpath));
if (extraSubpaths.length > 0)
  problems.push(
    `"exports" has subpaths the API report does not cover: ${extraSubpaths.join(', ')}`,
  );
for (const target of targetsOf(exportsField)) {
  if (!ENTRY_FILES.has(target)) problems.push(`"exports" points at ${target}`);
}
for (const field of ['main', 'types', 'typings', 'module', 'browser']) {
  if (pkg[field] !== undefined && !ENTRY_FILES.has(pkg[field]))
    problems.push(`"${field}" points at ${pkg[field]}`);
}
if (pkg.typesVersions !== undefined)
  problems.push('"typesVersions" can redirect the types the report checked');

if (problems.length > 0) {
  for (const problem of problems) console.error(`entry point check FAILED: ${problem}`);
  console.error(
    'The API report covers dist/index.d.ts only: add an entry to api-extractor, not a door beside it.',
  );
  process.exitCode = 1;
} else {
  console.log(
    'entry point check: the package opens dist/index only, the entry the API report covers',
  );
}
