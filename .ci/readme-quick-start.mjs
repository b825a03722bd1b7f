/* eslint-disable no-console -- a CI script reports on the console */
// Writes the README's Quick start into an empty folder $1 as its steps say: setup.sh (the setup commands, with the
// Install section's command where they point to it, and the `npx` build step) and each file a block is labelled
// with (`tsconfig.json`, `orders.proto`, `backend.ts`, `main.ts`). It also fails when examples/quick-start-esm, or
// examples/quick-start-cjs with its two CommonJS differences (`__dirname`, no top-level await), no longer holds the
// same files (TypeScript compared after Prettier, tsconfig.json as JSON), so the runnable copies and the README
// cannot drift apart. Used by .ci/examples.sh.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const out = process.argv[2];
if (!out) throw new Error('usage: node .ci/readme-quick-start.mjs <empty folder>');

/** The text of one `## ` section, heading excluded. */
function section(heading) {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** Code blocks of a section, each with the paragraph before it (where the file it belongs to is named). */
function blocks(text) {
  const found = [];
  let paragraph = [];
  let block;
  for (const line of text.split('\n')) {
    if (block) {
      if (line === '```') {
        found.push(block);
        block = undefined;
        paragraph = [];
      } else block.code += `${line}\n`;
    } else if (line.startsWith('```')) {
      block = { before: paragraph.join(' '), language: line.slice(3), code: '' };
    } else if (line.trim() === '') {
      if (paragraph.length > 0) paragraph = [...paragraph, ''];
    } else {
      if (paragraph.at(-1) === '') paragraph = [];
      paragraph.push(line);
    }
  }
  return found;
}

const install = blocks(section('Install')).find((block) => block.language === 'bash');
const quickStart = blocks(section('Quick start'));
const shell = quickStart.filter((block) => block.language === 'bash');
if (!install || shell.length < 2)
  throw new Error('README.md: Install or Quick start lost its bash blocks');

const setup = shell[0].code.replace(/^#.*install command above.*$/m, install.code.trim());
const build = shell[1].code.split('\n').filter((line) => line.startsWith('npx '));
writeFileSync(join(out, 'setup.sh'), `set -euxo pipefail\n${setup}\n${build.join('\n')}\n`);

const files = {};
for (const block of quickStart) {
  const name = /`([\w-]+\.(?:json|proto|ts))`/.exec(block.before)?.[1];
  if (name) files[name] = block.code;
}
const expected = ['tsconfig.json', 'orders.proto', 'backend.ts', 'main.ts'];
if (expected.some((name) => !(name in files))) {
  throw new Error(`README.md Quick start: expected files ${expected}, found ${Object.keys(files)}`);
}

const examples = join(root, 'examples');
const options = {
  ...(await prettier.resolveConfig(join(examples, 'quick-start-esm/main.ts'))),
  parser: 'typescript',
};
/** Whether two versions of a file say the same: TypeScript after Prettier, JSON as data, the rest as text. */
async function same(name, a, b) {
  if (name.endsWith('.ts')) {
    return (await prettier.format(a, options)) === (await prettier.format(b, options));
  }
  if (name.endsWith('.json'))
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  return a === b;
}
/** The CommonJS twin of an ESM file: `__dirname`, and the start-up in a function (no top-level await). */
function commonJs(name, code) {
  const cjs = code.replaceAll('import.meta.dirname', '__dirname');
  if (name !== 'main.ts') return cjs;
  const start = cjs.indexOf('const app = await NestFactory.create');
  const body = cjs.slice(start).trimEnd().replaceAll(/^/gm, '  ');
  return `${cjs.slice(0, start)}async function bootstrap() {\n${body}\n}\nvoid bootstrap();\n`;
}

const drift = [];
for (const [name, code] of Object.entries(files)) {
  writeFileSync(join(out, name), code);
  const esm = readFileSync(join(examples, 'quick-start-esm', name), 'utf8');
  const cjs = readFileSync(join(examples, 'quick-start-cjs', name), 'utf8');
  if (!(await same(name, code, esm))) drift.push(`examples/quick-start-esm/${name}`);
  if (!(await same(name, commonJs(name, code), cjs)))
    drift.push(`examples/quick-start-cjs/${name}`);
}
if (drift.length > 0) {
  throw new Error(
    `these files no longer say what README.md's Quick start says: ${drift.join(', ')}`,
  );
}
console.log(`readme-quick-start: ${Object.keys(files).join(', ')} and setup.sh in ${out}`);
