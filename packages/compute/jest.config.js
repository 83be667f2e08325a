/** Jest for @semadapt/compute: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "compute",
  rootDir: __dirname,
};
