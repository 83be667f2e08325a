/** Jest for @semadapt/data-cityscapes: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "data-cityscapes",
  rootDir: __dirname,
};
