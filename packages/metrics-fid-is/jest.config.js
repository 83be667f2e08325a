/** Jest for @semadapt/metrics-fid-is: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "metrics-fid-is",
  rootDir: __dirname,
};
