/** Jest for @semadapt/labels: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "labels",
  rootDir: __dirname,
};
