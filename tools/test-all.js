#!/usr/bin/env node
/**
 * `npm test`: lint, typecheck and build (the build `npm run demo` runs) every
 * project through Nx, then every Jest project in one run, and finish with the
 * plain line `N passed, N failed` that CI reads. A lint, typecheck or build
 * failure counts as one failed check per project; Jest counts tests. Exit status is non-zero on any failure.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const tmp = path.join(root, 'tmp');
fs.mkdirSync(tmp, { recursive: true });

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

let passed = 0;
let failed = 0;

// Lint, typecheck, build: nx prints each project's result; count per project/target.
const projects = fs.readdirSync(path.join(root, 'packages')).filter((d) => fs.existsSync(path.join(root, 'packages', d, 'package.json')));
for (const target of ['lint', 'typecheck', 'build']) {
  const status = run('npx', ['nx', 'run-many', '-t', target, '--outputStyle=static', '--skip-nx-cache']);
  if (status === 0) passed += projects.length;
  else {
    // Re-run per project only to count which ones failed (cheap: lint/tsc are fast, builds cached).
    for (const p of projects) {
      const s = spawnSync('npx', ['nx', 'run', `@semadapt/${p}:${target}`, '--outputStyle=static'], { cwd: root, stdio: 'ignore' });
      if (s.status === 0) passed++;
      else { failed++; console.error(`FAILED: ${target} @semadapt/${p}`); }
    }
  }
}

// Workspace tooling outside the Nx projects (tools/**/*.ts): lint and typecheck, one check each.
for (const [name, cmd, args] of [
  ['lint tools/', 'npx', ['eslint', 'tools']],
  ['typecheck tools/bench', 'npx', ['tsc', '-p', 'tools/bench/tsconfig.json', '--noEmit']],
  ['typecheck tools/workspace-tests', 'npx', ['tsc', '-p', 'tools/workspace-tests/tsconfig.json', '--noEmit']],
]) {
  const status = run(cmd, args);
  if (status === 0) passed++;
  else { failed++; console.error(`FAILED: ${name}`); }
}

/** One Jest run; adds its counts. `env` overrides variables for that run only. */
function jestRun(name, args, env = {}) {
  const out = path.join(tmp, `jest-results-${name}.json`);
  fs.rmSync(out, { force: true });
  const r0 = spawnSync('npx', ['jest', '--config', 'jest.config.js', '--maxWorkers=2', '--json', `--outputFile=${out}`, ...args], {
    cwd: root, stdio: 'inherit', env: { ...process.env, ...env },
  });
  const status = r0.status ?? 1;
  let f = 0;
  if (fs.existsSync(out)) {
    const r = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += r.numPassedTests;
    f += r.numFailedTests;
    // A suite that fails to load (syntax error, missing module) has no tests to count: count it.
    f += r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  } else if (status !== 0) {
    f++;
  }
  if (status !== 0 && f === 0) f++;
  failed += f;
}

const extra = process.argv.slice(2);
jestRun('all', extra);
// The kernel specs once more with the native (oneDNN) kernels forced off, so
// the pure wasm kernels stay covered where the native ones are installed.
if (extra.length === 0) jestRun('no-native', ['packages/compute/src', 'packages/core-layers/src/lib/backend-integration'], { SEMADAPT_NATIVE: '0' });

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
