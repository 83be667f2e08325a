/**
 * Shared Jest preset: ts-jest with isolated modules (transpile only; `tsc
 * --noEmit` is the separate `typecheck` target), node environment, and
 * `@semadapt/*` resolved to each package's `src/index.ts` so tests never need
 * a build first.
 */
const path = require('path');

module.exports = {
  testEnvironment: path.join(__dirname, 'tools/jest/node-environment.js'),
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.base.json') }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleNameMapper: {
    '^@semadapt/((?!onednn-kernels)[a-z0-9-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@semadapt/([a-z0-9-]+)/testing$': path.join(__dirname, 'packages/$1/src/testing/index.ts'),
  },
  testTimeout: 120000,
};
