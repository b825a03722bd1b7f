/* eslint-disable no-console -- a CI script reports on the console */
// Fails CI when package-lock.json has a `packages` entry without a `version`.
// Such entries are what a hand-edited lockfile leaves behind, and `npm ci` on a
// fresh machine rejects them with "Invalid Version:". The lockfile is written
// by the npm on the machine (`npm install`), never by hand.
import { readFileSync } from 'node:fs';

const lockfilePath = new URL('../package-lock.json', import.meta.url);
const lockfile = JSON.parse(readFileSync(lockfilePath, 'utf8'));
const versionless = Object.entries(lockfile.packages ?? {})
  .filter(([path, entry]) => path !== '' && !entry.link && !entry.version)
  .map(([path]) => path);

if (versionless.length > 0) {
  console.error(
    `package-lock.json has ${versionless.length} package entr${versionless.length === 1 ? 'y' : 'ies'} without a "version":\n` +
      versionless.map((path) => `  ${path}`).join('\n') +
      '\nnpm ci rejects such a lockfile on a fresh machine ("Invalid Version:").' +
      '\nRegenerate it with the npm on this machine: rm package-lock.json && npm install --package-lock-only',
  );
  process.exit(1);
}
console.log(
  `package-lock.json: all ${Object.keys(lockfile.packages ?? {}).length - 1} package entries have a version`,
);
