/**
 * Root Jest: every package's project plus the workspace checks, in one run
 * (used by `npm test`). `testTimeout` is a global option in Jest: in a
 * multi-project run the projects' own values are ignored, so it is set here
 * to the preset's value.
 */
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/tools/workspace-tests/jest.config.js'],
  testTimeout: require('./jest.preset.js').testTimeout,
};
