/**
 * `npx semadapt` right after `npm ci` (issue 19 §1): npm links a workspace
 * bin into node_modules/.bin from the lockfile's record of it, and only when
 * the file exists at install time, so the bin must be a committed file
 * (not dist/) and the lockfile must name the same one.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './testing/run-cli';

const PKG_DIR = path.join(REPO_ROOT, 'packages', 'pipeline');

describe('the semadapt bin', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = pkg.bin['semadapt'];

  it('is a committed, executable file that the lockfile records as package.json does', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    expect(lock.packages['packages/pipeline'].bin).toEqual(pkg.bin);
    expect(bin.startsWith('dist/')).toBe(false);
    const file = path.join(PKG_DIR, bin);
    expect(fs.statSync(file).mode & 0o111).not.toBe(0);
    const tracked = spawnSync('git', ['ls-files', '--stage', '--', path.join('packages', 'pipeline', bin)], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(tracked.stdout).toMatch(/^100755 /);
  });

  it('runs --help from any directory without a build', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-bin-'));
    const r = spawnSync(process.execPath, [path.join(PKG_DIR, bin), '--help'], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('semadapt train-source');
    fs.rmSync(cwd, { recursive: true });
  });
});

describe('the source loader (bin/register-ts.js)', () => {
  const loader = path.join(PKG_DIR, 'bin', 'register-ts.js');
  /** Runs `script` in a fresh node with the loader preloaded; its last stdout line, parsed. */
  const probe = (script: string): { typescriptLoaded: boolean; value?: unknown } => {
    const r = spawnSync(process.execPath, ['-r', loader, '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { typescriptLoaded: boolean; value?: unknown };
  };
  const report = (value: string): string =>
    `console.log(JSON.stringify({ typescriptLoaded: Object.keys(require.cache).some((k) => k.includes('${path.sep}node_modules${path.sep}typescript${path.sep}')), value: ${value} }))`;

  it('runs the workspace without the TypeScript compiler in the process (a child fills the cache)', () => {
    // The segmenter's whole import graph (compute, core-layers, losses, labels): cached by the child on a miss.
    const out = probe(`const s = require('@semadapt/segmenter'); ${report("typeof s.DeepLabV2")}`);
    expect(out.value).toBe('function');
    expect(out.typescriptLoaded).toBe(false);
  });

  it('transpiles a file outside the workspace sources in the process', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-loader-'));
    const file = path.join(dir, 'outside.ts');
    const tag = `t${process.pid}`; // a file no earlier run cached
    fs.writeFileSync(file, `export const shout = (s: string): string => s.toUpperCase() + '${tag}';\n`);
    const out = probe(`const m = require(${JSON.stringify(file)}); ${report("m.shout('ok')")}`);
    expect(out.value).toBe(`OK${tag}`);
    expect(out.typescriptLoaded).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
});
