// Proves that `npm run lint` really fails on a forbidden import: writes a probe file into lib/pool/
// that imports upwards (call/) and a root file, lints it with the project's own ESLint config, and
// expects the layer rule (boundaries/dependencies, configured from the layer table in
// eslint.config.js) to report both. The probe is deleted whatever happens. Run by `npm run lint`.
//
//   node scripts/check-layer-rule.mjs
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const probe = join(root, 'lib', 'pool', '__layer-probe.ts');
const RULE = 'boundaries/dependencies';

/** Each import a pool file must not make, and why. */
const FORBIDDEN = [
  {
    line: "import { PooledCall } from '../call/pooled-call.js';",
    why: 'pool/ importing call/, a layer above it',
  },
  {
    line: "import { GRPC_POOL_DEFAULTS } from '../grpc-pool.constants.js';",
    why: 'pool/ importing a root file',
  },
];

async function main() {
  writeFileSync(
    probe,
    [
      '// Written and deleted by scripts/check-layer-rule.mjs: every import here breaks the layer rule.',
      ...FORBIDDEN.map(({ line }) => line),
      'export const probe = [PooledCall, GRPC_POOL_DEFAULTS];',
      '',
    ].join('\n'),
  );
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([probe]);
    const found = result.messages.filter((message) => message.ruleId === RULE);
    for (const message of found) console.log(`  line ${message.line - 1}: ${message.message}`);
    const missed = FORBIDDEN.filter(
      (_, index) => !found.some((message) => message.line === index + 2),
    );
    if (missed.length > 0) {
      for (const { why } of missed)
        console.error(`layer rule check FAILED: lint let through ${why}`);
      return 1;
    }
    console.log(
      `layer rule check: lint fails on all ${FORBIDDEN.length} forbidden imports of the probe, as it must`,
    );
    return 0;
  } finally {
    rmSync(probe, { force: true });
  }
}

process.exitCode = await main();
