/**
 * The benchmark harness runs from the source tree (the pipeline bin's loader, no build) and its
 * --json last line has the fields of issue 3. (Typechecking tools/bench is a
 * separate check of tools/test-all.js.)
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { referenceEnv, settleFor } from '../bench/main';
import { installKernelTimer, summarize } from '../bench/profile';

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
    // 3 · 2 · 9 · 128² · 8² FLOP over the median; the JSON rounds the median to 0.1 ms (a ~1 ms step here) and GFLOP/s to 0.01.
    const flop = 3 * 2 * 9 * 128 * 128 * 64;
    expect(last.gflops).toBeGreaterThanOrEqual(flop / ((last.median_ms + 0.05) * 1e6) - 0.005);
    expect(last.gflops).toBeLessThanOrEqual(flop / (Math.max(last.median_ms - 0.05, 1e-3) * 1e6) + 0.005);
  });

  it('--profile: the conv step\'s three convolution kernels, shares and outside time adding up to the step', () => {
    const r = spawnSync(
      'node',
      ['tools/bench/run.js', '--case', 'conv-step', '--size', '8', '--repeat', '2', '--warmup', '0', '--json', '--no-reference', '--profile'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SEMADAPT_BACKEND: 'wasm' } },
    );
    if (r.status !== 0) throw new Error(`bench failed (${r.status}):\n${r.stdout}${r.stderr}`);
    expect(r.stdout).toMatch(/conv-step profile: .* ms per step/);
    const { profile } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    const names = profile.kernels.map((k: { kernel: string }) => k.kernel);
    // Forward (conv + bias), input gradient, filter (+ bias) gradient: one call each per step.
    expect(names).toEqual(expect.arrayContaining(['FusedConv2D', 'Conv2DBackpropInput']));
    expect(names.some((n: string) => n === 'Conv2DBackpropFilter' || n === 'SemadaptConv2DBackpropFilterBias')).toBe(true);
    for (const k of profile.kernels.filter((k: { kernel: string }) => /Conv2D/.test(k.kernel))) expect(k.calls).toBe(1);
    const inKernels = profile.kernels.reduce((a: number, k: { ms: number }) => a + k.ms, 0);
    expect(inKernels + profile.outside_ms).toBeCloseTo(profile.step_ms, 6);
    expect(profile.outside_ms).toBeGreaterThanOrEqual(0);
    const cpuInKernels = profile.kernels.reduce((a: number, k: { cpu_ms: number }) => a + k.cpu_ms, 0);
    expect(cpuInKernels + profile.outside_cpu_ms).toBeCloseTo(profile.step_cpu_ms, 6);
    expect(r.stdout).toMatch(/step cpu\/wall \d+\.\d\d/);
  });

  it('kernel timer: exclusive times (a nested kernel is not charged to its caller), calls per kernel', async () => {
    await tf.setBackend('cpu');
    const spin = (ms: number) => {
      const t = performance.now();
      while (performance.now() - t < ms);
    };
    tf.registerKernel({ kernelName: 'BenchSpecInner', backendName: 'cpu', kernelFunc: ({ inputs }) => {
      spin(20);
      return tf.engine().runKernel('Identity', { x: inputs['x'] as tf.Tensor }) as tf.TensorInfo;
    } });
    tf.registerKernel({ kernelName: 'BenchSpecOuter', backendName: 'cpu', kernelFunc: ({ inputs }) => {
      spin(30);
      const t = tf.engine().runKernel('BenchSpecInner', { x: inputs['x'] as tf.Tensor }) as tf.Tensor;
      return tf.engine().runKernel('Identity', { x: t }) as tf.TensorInfo;
    } });
    try {
      const timer = installKernelTimer('cpu', (k) => (k.startsWith('BenchSpec') ? 'js' : 'other'));
      const x = tf.ones([4]);
      const t0 = performance.now();
      const ys = [0, 1].map(() => tf.engine().runKernel('BenchSpecOuter', { x }) as tf.Tensor);
      const wall = performance.now() - t0;
      timer.uninstall();
      const stats = Object.fromEntries(timer.stats().map((s) => [s.kernel, s]));
      expect(stats['BenchSpecOuter'].calls).toBe(2);
      expect(stats['BenchSpecInner'].calls).toBe(2);
      expect(stats['Identity'].calls).toBe(4);
      expect(stats['BenchSpecInner'].ms).toBeGreaterThanOrEqual(40);
      expect(stats['BenchSpecOuter'].ms).toBeGreaterThanOrEqual(60);
      // CPU time, exclusive too: a spin on one thread keeps one core busy, and the outer kernel is not charged
      // the inner one's 2 × 20 ms (with them its cpu/wall would pass 1.6).
      for (const k of ['BenchSpecInner', 'BenchSpecOuter']) {
        expect(stats[k].cpu_ms).toBeGreaterThan(0);
        expect(stats[k].cpu_ms).toBeLessThan(1.5 * stats[k].ms + 2);
      }
      // Exclusive: the outer kernel's own time excludes the inner one's 2 × 20 ms.
      const total = timer.stats().reduce((a, s) => a + s.ms, 0);
      expect(total).toBeLessThanOrEqual(wall);
      const p = summarize(timer.stats(), 2, wall, 'spec');
      for (let i = 1; i < p.kernels.length; i++) expect(p.kernels[i - 1].ms).toBeGreaterThanOrEqual(p.kernels[i].ms);
      expect(p.kernels.find((k) => k.kernel === 'BenchSpecOuter')?.calls).toBe(1);
      expect(p.by_implementation['js']).toBeCloseTo((stats['BenchSpecOuter'].ms + stats['BenchSpecInner'].ms) / 2, 6);
      // Uninstalled: the registry's functions are the originals again.
      const before = tf.getKernel('BenchSpecOuter', 'cpu')?.kernelFunc;
      installKernelTimer('cpu', () => 'js').uninstall();
      expect(tf.getKernel('BenchSpecOuter', 'cpu')?.kernelFunc).toBe(before);
      tf.dispose([x, ...ys]);
    } finally {
      tf.unregisterKernel('BenchSpecOuter', 'cpu');
      tf.unregisterKernel('BenchSpecInner', 'cpu');
    }
  });

  it('the PyTorch reference gets a scrubbed environment: nothing of ours (OpenMP, SEMADAPT_*, NODE_*) reaches it', () => {
    const env = referenceEnv({ PATH: '/usr/bin', HOME: '/root', OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', SEMADAPT_THREADS: '1', KMP_AFFINITY: 'x', NODE_OPTIONS: '--x', MKL_NUM_THREADS: '1' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root' });
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
