/** Jest for @semadapt/onnx-runtime: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "onnx-runtime",
  rootDir: __dirname,
};
