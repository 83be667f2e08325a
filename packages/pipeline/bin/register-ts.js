/**
 * Runs the workspace from its TypeScript sources without a build step (used
 * by `bin/semadapt.js`, i.e. `npx semadapt`, and by the tests' CLI helper):
 * `.ts` files are transpiled on load with TypeScript's own `transpileModule`
 * (cached by content hash under tmp/), and `@semadapt/<pkg>` resolves to
 * `packages/<pkg>/src/index.ts`. Type errors are not checked here: that is
 * `npm run lint` / the typecheck targets.
 *
 * TypeScript itself stays out of the process (see the hook below).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const root = path.resolve(__dirname, '../../..');
const origResolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@semadapt\/([a-z0-9-]+)(\/testing)?$/.exec(request);
  if (m) {
    const file = path.join(root, 'packages', m[1], 'src', m[2] ? 'testing/index.ts' : 'index.ts');
    if (fs.existsSync(file)) return file;
  }
  try {
    return origResolve.call(this, request, parent, ...rest);
  } catch (e) {
    // Extensionless relative imports of .ts files.
    if (parent && (request.startsWith('.') || request.startsWith('/'))) {
      const base = path.resolve(path.dirname(parent.filename), request);
      for (const cand of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(cand)) return cand;
    }
    throw e;
  }
};

// Transpiled output is cached by content hash (tests start the CLI many times).
const crypto = require('crypto');
const cacheDir = path.join(root, 'tmp', 'ts-register-cache');

// The installed TypeScript's version, from its package.json: part of the cache key, read without loading the compiler.
let tsVersion;
function typescriptVersion() {
  if (tsVersion === undefined) tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  return tsVersion;
}

/** Where the transpiled `src` of `filename` is cached. */
function cachePath(filename, src) {
  const key = crypto.createHash('sha1').update(typescriptVersion()).update(filename).update(src).digest('hex');
  return path.join(cacheDir, `${key}.js`);
}

function readCached(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Transpiles one file and caches it (written to a temp file, then renamed: concurrent writers are safe). */
function transpileAndCache(ts, filename, src, cached) {
  const js = ts.transpileModule(src, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, isolatedModules: true },
  }).outputText;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, js);
    fs.renameSync(tmp, cached);
  } catch {
    /* cache is optional */
  }
  return js;
}

/** Every `.ts` module a run may load: packages' src and tools, without specs and declarations. */
function workspaceSources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
        files.push(full);
      }
    }
  };
  for (const pkg of fs.readdirSync(path.join(root, 'packages'))) {
    const src = path.join(root, 'packages', pkg, 'src');
    if (fs.existsSync(src)) walk(src);
  }
  walk(path.join(root, 'tools'));
  return files;
}

/** `node register-ts.js`: the child that fills the cache (see the hook below). */
function fillCache() {
  const ts = require('typescript');
  for (const filename of workspaceSources()) {
    const src = fs.readFileSync(filename, 'utf8');
    const cached = cachePath(filename, src);
    if (!fs.existsSync(cached)) transpileAndCache(ts, filename, src, cached);
  }
}

// On the first miss, a child process transpiles every uncached workspace source (~3 s for all 260 from
// cold), so the compiler is never loaded here: it would cost ~50 MiB of RSS for the process's whole life
// (measured 5 Dec 2026: 39 → 87 MiB on `require('typescript')`), which a training run should not carry.
// A file outside the workspace sources (a spec's fixture) is transpiled here.
function installHook() {
  let childFilled = false;
  require.extensions['.ts'] = function (module, filename) {
    const src = fs.readFileSync(filename, 'utf8');
    const cached = cachePath(filename, src);
    let js = readCached(cached);
    if (js === undefined && !childFilled) {
      childFilled = true;
      require('child_process').spawnSync(process.execPath, [__filename], { stdio: ['ignore', 'ignore', 'inherit'] });
      js = readCached(cached);
    }
    if (js === undefined) js = transpileAndCache(require('typescript'), filename, src, cached);
    module._compile(js, filename);
  };
}

if (require.main === module) fillCache();
else installHook();
