// Proves that `npm run lint` really fails on a forbidden import, in every form one can be written:
// writes probe files into lib/ whose every marked line breaks the layer table, lints them with the
// project's own ESLint config (the layer rule, boundaries/dependencies, is configured from the table
// in eslint.config.js), and fails unless each marked line is reported. The probes are deleted
// whatever happens. Run by `npm run lint`.
//
//   node scripts/check-layer-rule.mjs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const LAYER_RULE = 'boundaries/dependencies';
/** The rule for what the layer rule cannot judge: a computed path, the package's own name. */
const IMPORT_SYNTAX_RULE = 'no-restricted-syntax';

/**
 * Probe files (paths inside lib/), each with the imports it must not make. A line's last line is
 * the one lint must report; `rule` says by which rule when it is not the layer rule.
 */
const PROBES = [
  {
    file: 'pool/__layer-probe.ts',
    forbidden: [
      {
        why: 'pool/ importing call/, a layer above it',
        code: "import { PooledCall } from '../call/pooled-call.js';",
      },
      {
        why: 'a type-only import upwards',
        code: "import type { PooledCall as T1 } from '../call/pooled-call.js';",
      },
      {
        why: 'an inline `type` specifier upwards',
        code: "import { type PooledCall as T2 } from '../call/pooled-call.js';",
      },
      {
        why: 'a re-export from above',
        code: "export { PooledCall as P3 } from '../call/pooled-call.js';",
      },
      { why: '`export * from` above', code: "export * from '../call/call-admission.js';" },
      {
        why: '`export type * from` above',
        code: "export type * as T4 from '../call/call-admission.js';",
      },
      {
        why: 'a dynamic import upwards',
        code: "export const load = () => import('../client/grpc-pool.js');",
      },
      {
        why: 'a type written as import(...) upwards',
        code: "export type T5 = import('../client/grpc-pool.js').GrpcPool;",
      },
      {
        why: '`import x = require(...)` upwards',
        code: "import grpcPool = require('../client/grpc-pool.js');",
      },
      {
        why: 'a module augmentation of a file above',
        code: "declare module '../call/pooled-call.js' {}",
      },
      { why: 'a side-effect-only import upwards', code: "import '../call/pooled-call.js';" },
      {
        why: 'a path out of lib/ and back in',
        code: "import { PooledCall as P6 } from '../../lib/call/pooled-call.js';",
      },
      {
        why: 'a path without its .js extension',
        code: "import { PooledCall as P7 } from '../call/pooled-call';",
      },
      {
        why: 'a path with a .ts extension',
        code: "import { PooledCall as P8 } from '../call/pooled-call.ts';",
      },
      {
        why: 'pool/ importing a root file',
        code: "import { GRPC_POOL_DEFAULTS } from '../grpc-pool.constants.js';",
      },
      {
        why: 'pool/ importing the module root file',
        code: "import { GrpcPoolModule } from '../grpc-pool.module.js';",
      },
      { why: 'pool/ importing lib/index.ts', code: "export * as api from '../index.js';" },
      {
        why: 'an import that leaves lib/ (dist/)',
        code: "export * as built from '../../dist/index.js';",
      },
      {
        why: 'the package imported by its own name',
        code: "export * as self from 'nestjs-grpc-pool';",
        // The layer rule sees it only when dist/ exists; this rule, on a fresh clone too.
        rule: IMPORT_SYNTAX_RULE,
      },
      {
        why: 'a computed import path',
        code: 'export const pick = (name: string) => import(`../call/${name}.js`);',
        rule: IMPORT_SYNTAX_RULE,
      },
      {
        why: 'an upward import under an eslint-disable comment',
        code: "// eslint-disable-next-line boundaries/dependencies\nimport { PooledCall as P9 } from '../call/pooled-call.js';",
      },
      {
        why: 'a file of lib/ importing a spec file',
        code: "export * from './__layer-probe-helper.spec.js';",
      },
    ],
  },
  {
    file: 'pool/__layer-probe-helper.spec.ts',
    unlinted: "export { PooledCall as Laundered } from '../call/pooled-call.js';\n",
  },
  {
    file: 'pool/__layer-probe.mts',
    forbidden: [
      {
        why: 'a .mts file importing upwards',
        code: "import { PooledCall } from '../call/pooled-call.js';",
      },
    ],
  },
  {
    file: 'facades/async/__layer-probe.ts',
    forbidden: [
      {
        why: 'facades/ reaching past call/ into pool/',
        code: "import type { ChannelPool } from '../../pool/channel-pool.js';",
      },
      {
        why: 'a sub-folder importing lib/index.ts',
        code: "import { GrpcPool } from '../../index.js';",
      },
    ],
  },
  {
    file: 'details/__layer-probe.ts',
    forbidden: [
      {
        why: 'details/ importing proto/, a folder of its own row',
        code: "import { loadPackageDefinition } from '../proto/load-package-definition.js';",
      },
    ],
  },
  {
    file: 'proto/__layer-probe.ts',
    forbidden: [
      {
        why: 'proto/ importing details/, a folder of its own row',
        code: "import { attachStatusDetails } from '../details/attach-status-details.js';",
      },
    ],
  },
  {
    file: '__layer-probe/unlisted.ts',
    forbidden: [
      {
        why: 'a folder the table does not name',
        code: "import type { GrpcPoolDnsOptions } from '../interfaces/pool-options.interface.js';",
      },
    ],
  },
];

const HEADER =
  '// Written and deleted by scripts/check-layer-rule.mjs: every marked import breaks the layer rule.';

/** Writes a probe and returns, for each forbidden import, the line lint must report. */
function writeProbe({ file, forbidden, unlinted }) {
  const path = join(root, 'lib', file);
  mkdirSync(dirname(path), { recursive: true });
  if (unlinted !== undefined) {
    writeFileSync(path, unlinted);
    return [];
  }
  const lines = [HEADER];
  const expected = forbidden.map((entry) => {
    lines.push(...entry.code.split('\n'));
    return { ...entry, path, line: lines.length };
  });
  writeFileSync(path, [...lines, ''].join('\n'));
  return expected;
}

async function main() {
  const expected = PROBES.flatMap(writeProbe);
  const linted = [...new Set(expected.map(({ path }) => path))];
  const results = await new ESLint({ cwd: root }).lintFiles(linted);
  const missed = expected.filter(({ path, line, rule = LAYER_RULE }) => {
    const result = results.find((candidate) => candidate.filePath === path);
    return !result?.messages.some(
      (message) => message.line === line && message.ruleId === rule && message.severity === 2,
    );
  });
  if (missed.length > 0) {
    for (const { why } of missed) console.error(`layer rule check FAILED: lint let through ${why}`);
    return 1;
  }
  console.log(
    `layer rule check: lint fails on all ${expected.length} forbidden imports of the probes, as it must`,
  );
  return 0;
}

try {
  process.exitCode = await main();
} finally {
  for (const { file } of PROBES) rmSync(join(root, 'lib', file), { force: true });
  rmSync(join(root, 'lib', '__layer-probe'), { recursive: true, force: true });
}
