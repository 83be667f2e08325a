/** Initializers: PyTorch's formulas checked by sample statistics; seeded reproducibility. */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend } from '../../testing';
import { Rng } from './rng';
import { gain, initialize } from './initializers';

beforeAll(async () => {
  await setTestBackend('cpu');
});

function stats(t: tf.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), min, max };
}

describe('initializers (n = 40000 samples; tolerances ≈ 5σ of the estimators)', () => {
  const fans = { fanIn: 3 * 3 * 16, fanOut: 3 * 3 * 32 };
  const shape = [40000];

  it('kaimingNormal relu fanIn: std = √2/√144', () => {
    const t = initialize({ kind: 'kaimingNormal', nonlinearity: 'relu' }, shape, fans, new Rng(1));
    const s = stats(t);
    expect(Math.abs(s.mean)).toBeLessThan(0.004);
    expect(Math.abs(s.std / (Math.SQRT2 / 12) - 1)).toBeLessThan(0.02);
    t.dispose();
  });

  it('kaimingUniform a=√5 (PyTorch conv default): bound 1/√fanIn', () => {
    const t = initialize({ kind: 'kaimingUniform', a: Math.sqrt(5) }, shape, fans, new Rng(2));
    const s = stats(t);
    const bound = 1 / 12;
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    t.dispose();
  });

  it('xavierNormal / xavierUniform: std gain·√(2/(in+out)), bound gain·√(6/(in+out))', () => {
    const n = initialize({ kind: 'xavierNormal', gain: 2 }, shape, fans, new Rng(3));
    expect(Math.abs(stats(n).std / (2 * Math.sqrt(2 / 432)) - 1)).toBeLessThan(0.02);
    const u = initialize({ kind: 'xavierUniform' }, shape, fans, new Rng(4));
    expect(stats(u).max).toBeLessThanOrEqual(Math.sqrt(6 / 432));
    expect(Math.abs(stats(u).std / (Math.sqrt(6 / 432) / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    tf.dispose([n, u]);
  });

  it('normal / constant / gains', () => {
    const n = initialize({ kind: 'normal', mean: 1, std: 0.02 }, shape, fans, new Rng(5));
    expect(Math.abs(stats(n).mean - 1)).toBeLessThan(0.001);
    expect(Math.abs(stats(n).std / 0.02 - 1)).toBeLessThan(0.02);
    const c = initialize({ kind: 'constant', value: 0.5 }, [3], fans, new Rng(5));
    expect(Array.from(c.dataSync())).toEqual([0.5, 0.5, 0.5]);
    expect(gain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(gain('tanh')).toBeCloseTo(5 / 3, 12);
    tf.dispose([n, c]);
  });

  it('same seed, same weights; different seed, different weights', () => {
    const a = initialize({ kind: 'kaimingNormal' }, [10], fans, new Rng(7)).dataSync();
    const b = initialize({ kind: 'kaimingNormal' }, [10], fans, new Rng(7)).dataSync();
    const c = initialize({ kind: 'kaimingNormal' }, [10], fans, new Rng(8)).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
