/**
 * Jest runs in native ESM mode: Nest 12 packages are ESM-only, and Node 20
 * can only load them into Jest's VM through --experimental-vm-modules.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/lib', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  // The heavy tier (statistical and long scenarios) runs with `npm run test:heavy` (jest.heavy.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/heavy/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The sample imports the package by name; its tests run it against the source.
    '^nestjs-grpc-pool$': '<rootDir>/lib/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Nest's logs stay quiet unless a test records them (test/support/silent-logs.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/silent-logs.ts'],
  testTimeout: 30000,
  // Every test closes what it opens; fail loudly instead of hanging if one does not.
  forceExit: false,
};
