/** Root Jest: every package's project plus the workspace checks, in one run (used by `npm test`). */
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/tools/workspace-tests/jest.config.js'],
};
