/** Jest for @semadapt/core-layers: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "core-layers",
  rootDir: __dirname,
};
