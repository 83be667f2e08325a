/**
 * The benchmark harness runs from the source tree (ts-node, no build) and its
 * --json last line has the fields of issue 3. (Typechecking tools/bench is a
 * separate check of tools/test-all.js.)
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { settleFor } from '../bench/main';

const ROOT = path.resolve(__dirname, '..', '..');

describe('tools/bench', () => {
  it('`npm run bench -- --case conv-step --size 8 --json` prints the JSON line last', () => {
    const r = spawnSync(
      'node',
      ['tools/bench/run.js', '--case', 'conv-step', '--size', '8', '--repeat', '2', '--warmup', '0', '--json', '--no-reference'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SEMADAPT_BACKEND: 'wasm' } },
    );
    if (r.status !== 0) throw new Error(`bench failed (${r.status}):\n${r.stdout}${r.stderr}`);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    expect(last).toMatchObject({ case: 'conv-step', shape: [1, 8, 8, 128], backend: 'wasm', reference_ms: null, ratio: null });
    expect(last.median_ms).toBeGreaterThan(0);
    // 3 · 2 · 9 · 128² · 8² FLOP over the median.
    expect(last.gflops).toBeCloseTo((3 * 2 * 9 * 128 * 128 * 64) / (last.median_ms * 1e6), 1);
  });

  it('settle: reads nothing back on the synchronous wasm/cpu backends, waits on every tensor elsewhere', async () => {
    const reads: number[] = [];
    let resolved = 0;
    const fake = (i: number) => ({
      data: () => {
        reads.push(i);
        return new Promise<void>((done) => setTimeout(() => { resolved++; done(); }, 5));
      },
    });
    for (const backend of ['wasm', 'cpu']) await settleFor(backend)([fake(0), fake(1)]);
    expect(reads).toEqual([]);
    await settleFor('tensorflow')([fake(0), fake(1), fake(2)]);
    expect(reads).toEqual([0, 1, 2]);
    expect(resolved).toBe(3);
  });
});
