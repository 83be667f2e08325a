import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writePngAtomic } from '../codec/png';
import { permutation } from '../random/rng';

/**
 * The loader's workers must also start from compiled JavaScript (a built
 * package has no TypeScript sources next to it). Compile data-core's sources to
 * CommonJS into a git-ignored folder inside the package (so `fast-png` still resolves
 * through node_modules), with `@semadapt/labels` compiled beside it as an
 * installed package, then run a plain Node script that loads 6 samples
 * with 2 workers and prints the file indices it saw.
 */
const pkg = path.resolve(__dirname, '..', '..', '..');
const out = path.join(pkg, 'tmp', `built-worker-${process.pid}`);

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

it('DataLoader with 2 workers runs from compiled CommonJS (no typescript hook) and keeps the seeded order', () => {
  // Emit like `tsc -p tsconfig.lib.json` (the workspace compiles with isolatedModules, so per-file
  // transpilation gives the same JavaScript), without the type-check that makes a full tsc run slow.
  // data-core imports @semadapt/labels: its build goes in out/node_modules, where Node resolves it from out/dist.
  const labels = path.resolve(pkg, '..', 'labels');
  const labelsOut = path.join(out, 'node_modules', '@semadapt', 'labels');
  fs.mkdirSync(labelsOut, { recursive: true });
  fs.copyFileSync(path.join(labels, 'package.json'), path.join(labelsOut, 'package.json'));
  const script0 = `
    const ts = require('typescript'); const fs = require('fs'); const path = require('path');
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
    const compile = (src, dst) => {
      for (const f of walk(src)) {
        if (!f.endsWith('.ts') || f.endsWith('.spec.ts') || f.includes(path.sep + 'testing' + path.sep)) continue;
        const js = ts.transpileModule(fs.readFileSync(f, 'utf8'), { fileName: f, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
        const o = path.join(dst, path.relative(src, f)).replace(/\\.ts$/, '.js');
        fs.mkdirSync(path.dirname(o), { recursive: true }); fs.writeFileSync(o, js);
      }
    };
    compile(${JSON.stringify(path.join(pkg, 'src'))}, ${JSON.stringify(path.join(out, 'dist'))});
    compile(${JSON.stringify(path.join(labels, 'src'))}, ${JSON.stringify(path.join(labelsOut, 'dist'))});`;
  execFileSync(process.execPath, ['-e', script0], { cwd: pkg, stdio: 'pipe' });
  expect(fs.existsSync(path.join(out, 'dist', 'lib', 'loader', 'sample-worker.js'))).toBe(true);
  expect(fs.existsSync(path.join(out, 'dist', 'lib', 'loader', 'sample-worker.ts'))).toBe(false);
  const images: string[] = [];
  for (let i = 0; i < 6; i++) {
    const f = path.join(out, 'data', `${i}.png`);
    writePngAtomic(f, { width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(i * 10) });
    images.push(f);
  }
  const script = `
    const { DataLoader, PairedFileDataset } = require(${JSON.stringify(path.join(out, 'dist', 'index.js'))});
    const specs = ${JSON.stringify(images)}.map((image, i) => ({ name: String(i), image }));
    (async () => {
      const loader = new DataLoader(new PairedFileDataset('built', specs), { workers: 2, seed: 3 });
      const seen = [];
      for await (const item of loader.epoch(0)) seen.push(item.sample.image.data[0] / 10);
      await loader.close();
      process.stdout.write(JSON.stringify(seen));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  // Run with a clean require path and no ts hooks: plain node on the compiled files.
  const stdout = execFileSync(process.execPath, ['-e', script], { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  expect(JSON.parse(stdout)).toEqual(Array.from(permutation(6, 3, 0)));
});
