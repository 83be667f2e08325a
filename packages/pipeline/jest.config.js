/** Jest for @semadapt/pipeline: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "pipeline",
  rootDir: __dirname,
};
