/** Jest for @semadapt/data-core: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "data-core",
  rootDir: __dirname,
};
