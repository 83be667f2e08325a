#!/usr/bin/env node
/**
 * The `semadapt` command: `npx semadapt <command>` right after `npm ci`, no
 * build needed. In a clone it runs the CLI from the TypeScript sources
 * (register-ts.js beside this file transpiles each file once and caches it
 * under tmp/), so what runs is always the checked-out code, never a stale
 * dist/. Where TypeScript is not installed (`npm ci --omit=dev`) it runs the
 * built dist/cli.js (`npm run build`).
 */
'use strict';
const fs = require('fs');
const path = require('path');

function hasTypescript() {
  try {
    require.resolve('typescript');
    return true;
  } catch {
    return false;
  }
}

const sources = path.join(__dirname, '..', 'src', 'cli.ts');
const built = path.join(__dirname, '..', 'dist', 'cli.js');
let cli;
if (fs.existsSync(sources) && hasTypescript()) {
  require('./register-ts.js');
  cli = require(sources);
} else if (fs.existsSync(built)) {
  cli = require(built);
} else {
  console.error('semadapt: neither TypeScript (a dev dependency: run `npm ci`) nor a build (`npm run build`) is present');
  process.exit(1);
}
void cli.buildCli(require('yargs/helpers').hideBin(process.argv)).parseAsync();
