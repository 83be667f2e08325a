/** Jest for @semadapt/segmenter: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "segmenter",
  rootDir: __dirname,
};
