#!/usr/bin/env node
/**
 * `npm run bench -- --case <name> --size <n> [--repeat k] [--json]`.
 * Bootstraps TypeScript (ts-node, transpile-only; tsconfig-paths maps
 * `@semadapt/*` to each package's src/index.ts as in tsconfig.base.json), so
 * cases run from a fresh clone after `npm ci` with no build. Then main.ts.
 */
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..', '..');
require('ts-node').register({
  transpileOnly: true,
  project: path.join(__dirname, 'tsconfig.json'),
  compilerOptions: { module: 'commonjs' },
});
const base = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
require('tsconfig-paths').register({ baseUrl: root, paths: base.compilerOptions.paths });

// `run.js export-model …` is the child that writes an inference case's ONNX file (export-model.ts).
const child = process.argv[2] === 'export-model';
require(child ? './export-model.ts' : './main.ts')
  .main(process.argv.slice(child ? 3 : 2))
  .then((code) => process.exit(code))
  .catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  });
