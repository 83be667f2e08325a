/** Jest for @semadapt/runner: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "runner",
  rootDir: __dirname,
};
