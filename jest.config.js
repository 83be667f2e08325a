/** Root Jest: every package's project, in one run (used by `npm test`). */
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js'],
};
