/** Jest for @semadapt/data-gta5: the shared preset, ts-jest with isolated modules. */
module.exports = {
  ...require("../../jest.preset.js"),
  displayName: "data-gta5",
  rootDir: __dirname,
};
