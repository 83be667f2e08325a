#!/usr/bin/env node
/**
 * `npm run bench -- --case <name> --size <n> [--repeat k] [--json]`.
 * Runs from the TypeScript sources as `npx semadapt` does (the pipeline's
 * bin loader: `@semadapt/*` resolves to each package's src/index.ts, each
 * file is transpiled once and cached), so cases run from a fresh clone after
 * `npm ci` with no build, and a case's memory is what a training run's is:
 * the loader keeps the TypeScript compiler out of the process once its cache
 * is warm (ts-node kept it in: +140 MiB of peak RSS on every case). Then main.ts.
 */
'use strict';
const path = require('path');

require(path.resolve(__dirname, '..', '..', 'packages', 'pipeline', 'bin', 'register-ts.js'));

// `run.js export-model …` is the child that writes an inference case's ONNX file (export-model.ts).
const child = process.argv[2] === 'export-model';
require(child ? './export-model.ts' : './main.ts')
  .main(process.argv.slice(child ? 3 : 2))
  .then((code) => process.exit(code))
  .catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  });
