import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import boundaries from 'eslint-plugin-boundaries';

/**
 * THE LAYER TABLE of lib/ (ARCHITECTURE.md explains each row), lowest first.
 * A folder may import its own files and the folders of the rows BEFORE its
 * row; folders in one row may not import each other. No folder imports the
 * root files (lib/*.ts); the root files may import anything. This is the only
 * place the rule is written down for the tools.
 */
const LAYERS = [
  ['interfaces'],
  ['errors'],
  ['options'],
  ['context'],
  ['details', 'proto', 'policies'],
  ['pool'],
  ['telemetry'],
  ['discovery'],
  ['call'],
  ['facades'],
  ['health'],
  ['client'],
  ['decorators'],
  ['interceptors', 'forwarding', 'filters'],
];

/** Rows a folder may not reach past, although they are below it: the facades go through call/. */
const NOT_DIRECTLY = { facades: ['pool'] };

// TEMPORARY: fixed by branch i22-options / i22-wiring. Imports that still run
// against the table until those branches land; at merge the lead deletes the
// entries of this list (the list itself may stay, empty).
const TEMPORARY_LAYER_EXCEPTIONS = [
  // i22-options: validation reads the DNS target shape from discovery/.
  { files: ['lib/options/validate-client-options.ts'], mayAlsoImport: ['discovery'] },
  // i22-options: public types taken from implementation files.
  {
    files: ['lib/interfaces/pool-options.interface.ts', 'lib/interfaces/stats.interface.ts'],
    mayAlsoImport: ['policies', 'telemetry'],
  },
  // i22-wiring: resolving options still builds runtime objects.
  {
    files: ['lib/options/resolve-client-options.ts'],
    mayAlsoImport: ['discovery', 'proto', 'policies', 'pool', 'telemetry'],
  },
  // i22-wiring: the health indicator still takes GrpcPool itself.
  { files: ['lib/health/grpc-pool-health.indicator.ts'], mayAlsoImport: ['client'] },
];

/** One element per lib/ folder, and the root files as one more. */
const LAYER_ELEMENTS = [
  ...LAYERS.flat().map((folder) => ({ type: folder, pattern: `lib/${folder}`, partialMatch: false })),
  // A folder the table does not name: no policy mentions it, so every import from or to it fails
  // until it gets a row.
  { type: 'unlisted folder', pattern: 'lib/*', partialMatch: false },
  // Last, so a file in a folder is classified by its folder first.
  { type: 'root', pattern: 'lib', partialMatch: false },
];

/**
 * What each folder may import, read from its row (eslint-plugin-boundaries
 * policies). `extra` maps a folder to the folders a file of it may also
 * import: only the temporary exceptions use it.
 */
function layerPolicies(extra = {}) {
  const policies = LAYERS.flatMap((row, index) => {
    const below = LAYERS.slice(0, index).flat();
    return row.map((folder) => {
      const allowed = [folder, ...below, ...(extra[folder] ?? [])];
      const skipped = NOT_DIRECTLY[folder] ?? [];
      return {
        from: { element: { type: folder } },
        allow: {
          to: { element: { types: { anyOf: allowed.filter((to) => !skipped.includes(to)) } } },
        },
      };
    });
  });
  const fromRoot = {
    from: { element: { type: 'root' } },
    allow: { to: { element: { types: { anyOf: ['root', ...LAYERS.flat()] } } } },
  };
  return [...policies, fromRoot];
}

const layerRule = (extra) => ['error', { default: 'disallow', policies: layerPolicies(extra) }];

export default tseslint.config(
  { ignores: ['dist/', 'dist-sample/', '.readme-check-*/', 'node_modules/', 'coverage/', 'test/fixtures/typed/echo.ts', 'jest.config.js', 'jest.heavy.config.js', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Spec files are left out: a unit spec may drive its code through the entry a user calls
    // (GrpcPool, GrpcPoolModule), and nothing in lib/ imports a spec, so no cycle can pass through one.
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.spec.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYER_ELEMENTS,
      'boundaries/include': ['lib/**/*.ts'],
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': layerRule(),
    },
  },
  ...TEMPORARY_LAYER_EXCEPTIONS.map(({ files, mayAlsoImport }) => ({
    files,
    rules: {
      'boundaries/dependencies': layerRule(
        Object.fromEntries(files.map((file) => [file.split('/')[1], mayAlsoImport])),
      ),
    },
  })),
  {
    files: ['**/*.cjs', '**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'sample/**/*.ts', 'lib/**/*.spec.ts', 'scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
