/** Nx sees exactly the ten packages of issue 3, compute (issue 22), labels, runner and onnx-runtime (issue 21). */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGES = [
  'compute', 'core-layers', 'losses', 'translator', 'segmenter', 'data-core',
  'data-cityscapes', 'data-gta5', 'data-synthia', 'metrics-fid-is', 'pipeline', 'labels', 'runner', 'onnx-runtime',
].map((p) => `@semadapt/${p}`);

describe('Nx workspace', () => {
  it('`nx show projects --json` lists the fourteen packages', () => {
    const r = spawnSync('npx', ['nx', 'show', 'projects', '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
    expect(r.status).toBe(0);
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('[')).pop();
    if (!line) throw new Error(`no JSON array in nx output: ${r.stdout} ${r.stderr}`);
    expect((JSON.parse(line) as string[]).sort()).toEqual([...PACKAGES].sort());
  });
});
