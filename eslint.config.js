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

/** One element per lib/ folder, and the root files as one more. */
const LAYER_ELEMENTS = [
  ...LAYERS.flat().map((folder) => ({
    type: folder,
    pattern: `lib/${folder}`,
    partialMatch: false,
  })),
  // A folder the table does not name: no policy mentions it, so every import from or to it fails
  // until it gets a row.
  { type: 'unlisted folder', pattern: 'lib/*', partialMatch: false },
  // Last, so a file in a folder is classified by its folder first.
  { type: 'root', pattern: 'lib', partialMatch: false },
];

/** The code of lib/, in every extension TypeScript compiles (a `.mts` file is no way around the rule). */
const LIB_CODE = 'lib/**/*.{ts,mts,cts}';
const SPEC_FILES = 'lib/**/*.spec.{ts,mts,cts}';

/** What each folder may import, read from its row (eslint-plugin-boundaries policies). */
function layerPolicies() {
  const policies = LAYERS.flatMap((row, index) => {
    const below = LAYERS.slice(0, index).flat();
    return row.map((folder) => {
      const allowed = [folder, ...below];
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
  // Last, so that it wins over the allows above: no file of lib/ imports a spec file. Spec files are
  // not checked themselves (see below) and stay out of the build, so one imported by shipped code
  // would carry unchecked imports into dist/.
  const noSpecs = { disallow: { to: { file: { path: SPEC_FILES } } } };
  return [...policies, fromRoot, noSpecs];
}

// checkUnknownLocals: an import of a local file outside the table (dist/, test/, bench/, the package
// itself by name, which resolves to dist/) or of a path that resolves to nothing fails too.
const layerRule = () => [
  'error',
  {
    default: 'disallow',
    checkUnknownLocals: true,
    checkInternals: true,
    policies: layerPolicies(),
  },
];

/**
 * Import forms the plugin does not see by default, added so that none of them slips past the layer
 * rule: a type written as `import('../call/x.js').X`, TypeScript's `import x = require('...')`, and
 * `declare module '../call/x.js' { ... }` (an augmentation changes the types of the file it names).
 */
const EXTRA_DEPENDENCY_NODES = [
  { selector: 'TSImportType > TSLiteralType > Literal', kind: 'type', name: 'import-type' },
  { selector: 'TSImportType > Literal', kind: 'type', name: 'import-type' },
  {
    selector: 'TSImportEqualsDeclaration > TSExternalModuleReference > Literal',
    kind: 'value',
    name: 'import-equals',
  },
  { selector: 'TSModuleDeclaration > Literal', kind: 'type', name: 'module-augmentation' },
];

/**
 * An import whose path is computed (`import(`../${x}.js`)`, `import(path)`, `require(name)`) cannot
 * be checked against the table, so lib/ writes every path as a plain string. The one exception is
 * telemetry/optional-peer.ts, which loads the optional peers by package name.
 */
const COMPUTED_IMPORTS = [
  {
    selector: 'ImportExpression[source.type!="Literal"]',
    message: 'lib/ imports by a plain string path, so that the layer rule can check it.',
  },
  {
    selector: 'CallExpression[callee.name="require"][arguments.0.type!="Literal"]',
    message: 'lib/ requires by a plain string path, so that the layer rule can check it.',
  },
];

/**
 * lib/ importing the package by its own name (which resolves to dist/) fails the layer rule when
 * dist/ exists; this catches it on a fresh clone too (a type `import('nestjs-grpc-pool')` there
 * is left to tsc, which cannot resolve it without dist/).
 */
const SELF_REFERENCE = {
  selector:
    ':matches(ImportDeclaration, ExportAllDeclaration, ExportNamedDeclaration, ImportExpression, TSExternalModuleReference, CallExpression[callee.name="require"]) > Literal[value=/^nestjs-grpc-pool\\b/]',
  message: 'lib/ imports its own files by relative path, never the package by name.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-sample/',
      // The API reference npm run docs generates (TypeDoc's HTML and scripts).
      'docs/api/',
      '.readme-check-*/',
      'node_modules/',
      'coverage/',
      'test/fixtures/typed/echo.ts',
      'jest.config.js',
      'jest.heavy.config.js',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    // Spec files are left out: a unit spec may drive its code through the entry a user calls
    // (GrpcPool, GrpcPoolModule), and nothing in lib/ imports a spec, so no cycle can pass through one.
    files: [LIB_CODE],
    ignores: [SPEC_FILES],
    // An `eslint-disable` comment does not switch the layer rule off: in lib/ ESLint ignores them.
    linterOptions: { noInlineConfig: true },
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYER_ELEMENTS,
      // Every file of the repository is known to the plugin, so that an import from lib/ that
      // leaves lib/ is seen (as an import of an unknown local file) instead of ignored.
      'boundaries/include': ['**/*'],
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/additional-dependency-nodes': EXTRA_DEPENDENCY_NODES,
    },
    rules: {
      'boundaries/dependencies': layerRule(),
      'no-restricted-syntax': ['error', ...COMPUTED_IMPORTS, SELF_REFERENCE],
    },
  },
  {
    files: ['lib/telemetry/optional-peer.ts'],
    rules: { 'no-restricted-syntax': ['error', COMPUTED_IMPORTS[0], SELF_REFERENCE] },
  },
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
    files: [
      'test/**/*.ts',
      'bench/**/*.ts',
      'sample/**/*.ts',
      'examples/**/*.ts',
      'lib/**/*.spec.ts',
      'scripts/**/*.mjs',
    ],
    rules: { 'no-console': 'off' },
  },
);
