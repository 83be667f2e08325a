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
