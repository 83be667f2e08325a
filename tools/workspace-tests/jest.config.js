/** Jest for workspace-level checks (boundaries, project list, bench harness). */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'workspace',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
  testTimeout: 300000,
};
