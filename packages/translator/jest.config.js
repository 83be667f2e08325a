/** Jest for @semadapt/translator: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "translator",
  rootDir: __dirname,
};
