/** Jest for @semadapt/losses: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "losses",
  rootDir: __dirname,
};
