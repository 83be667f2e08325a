/**
 * Runs the workspace from its TypeScript sources without a build step (used
 * by `bin/semadapt.js`, i.e. `npx semadapt`, and by the tests' CLI helper):
 * `.ts` files are transpiled on load with TypeScript's own `transpileModule`
 * (cached by content hash under tmp/), and `@semadapt/<pkg>` resolves to
 * `packages/<pkg>/src/index.ts`. Type errors are not checked here: that is
 * `npm run lint` / the typecheck targets.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');
const ts = require('typescript');

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
require.extensions['.ts'] = function (module, filename) {
  const src = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha1').update(ts.version).update(filename).update(src).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    js = ts.transpileModule(src, {
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
  }
  module._compile(js, filename);
};
