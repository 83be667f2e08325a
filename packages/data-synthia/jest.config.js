/** Jest for @semadapt/data-synthia: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "data-synthia",
  rootDir: __dirname,
};
