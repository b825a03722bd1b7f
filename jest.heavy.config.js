import base from './jest.config.js';

/**
 * The heavy tier: scenarios that are long or statistical (100,000-message back-pressure, the typed-client compile,
 * a flapping backend). They pass or fail on counts and invariants, like the default tier, and print what they measured.
 * @type {import('jest').Config}
 */
export default {
  ...base,
  roots: ['<rootDir>/test/heavy'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
};
