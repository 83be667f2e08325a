/**
 * The fused instance-norm and MUNIT layer-norm kernels against independent
 * references: a float64 hand computation of the forward, the gradient tfjs
 * derives for the composed ops (the fallback path), and finite differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, numericGradient, setTestBackend, testBackends } from '../testing';
import { INSTANCE_NORM, LAYER_NORM, fusedInstanceNorm, fusedLayerNorm } from './normalization-kernels';

/** Instance norm from tfjs ops, differentiated by tfjs's own gradients: the reference for ours. */
function composedInstanceNormalize(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  });
}

/** MUNIT's layer norm (unbiased std over C·H·W) from tfjs ops, likewise. */
function composedLayerNormalize(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const n = x.shape[1] * x.shape[2] * x.shape[3];
    const d = tf.sub(x, tf.mean(x, [1, 2, 3], true));
    const std = tf.sqrt(tf.div(tf.sum(tf.square(d), [1, 2, 3], true), n - 1));
    return tf.div(d, tf.add(std, eps)) as tf.Tensor4D;
  });
}

const SHAPES: [number, number, number, number][] = [
  [1, 4, 5, 3],
  [2, 3, 6, 7],
  [3, 2, 3, 16],
];
const EPS = 1e-5;

/** Float64 instance norm from the definition. */
function handInstanceNorm(x: Float32Array, [n, h, w, c]: number[], eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) {
      const at = (p: number) => (s * h * w + p) * c + k;
      let mean = 0;
      for (let p = 0; p < h * w; p++) mean += x[at(p)] / (h * w);
      let v = 0;
      for (let p = 0; p < h * w; p++) v += (x[at(p)] - mean) ** 2 / (h * w);
      for (let p = 0; p < h * w; p++) y[at(p)] = (x[at(p)] - mean) / Math.sqrt(v + eps);
    }
  }
  return y;
}

/** Float64 MUNIT layer norm from the definition (unbiased std, eps on the std). */
function handLayerNorm(x: Float32Array, [n]: number[], eps: number): Float64Array {
  const m = x.length / n;
  const y = new Float64Array(x.length);
  for (let s = 0; s < n; s++) {
    const part = Array.from(x.subarray(s * m, (s + 1) * m));
    const mean = part.reduce((a, b) => a + b, 0) / m;
    const std = Math.sqrt(part.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1));
    part.forEach((v, i) => (y[s * m + i] = (v - mean) / (std + eps)));
  }
  return y;
}

const CASES = [
  { name: 'instance norm', kernel: INSTANCE_NORM, fused: fusedInstanceNorm, composed: composedInstanceNormalize, hand: handInstanceNorm },
  { name: 'MUNIT layer norm', kernel: LAYER_NORM, fused: fusedLayerNorm, composed: composedLayerNormalize, hand: handLayerNorm },
] as const;

describe.each(testBackends())('fused normalization kernels, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('are registered for this backend', () => {
    expect(tf.getKernel(INSTANCE_NORM, backend)).toBeDefined();
    expect(tf.getKernel(LAYER_NORM, backend)).toBeDefined();
  });

  describe.each(CASES)('$name', ({ fused, composed, hand }) => {
    it.each(SHAPES.map((s) => [`x=[${s}]`, s] as const))('%s: forward = float64 definition; gradient = composed ops = finite differences', (_n, shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      // Offset and scale so mean and std matter.
      const values = lcgValues(size, 5).map((v, i) => 3 * v + 0.5 + (i % shape[3]) * 0.25);
      const x = tf.tensor4d(values, shape);
      const probe = tf.tensor4d(lcgValues(size, 11), shape);
      const y = fused(x, EPS);
      expectAllClose(y, hand(values, shape, EPS), { atol: 1e-5, rtol: 1e-5, label: 'forward vs float64' });
      const loss = (f: typeof fused) => (t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor4D, EPS), probe));
      const gFused = tf.grad(loss(fused))(x);
      const gComposed = tf.grad(loss(composed))(x);
      expectAllClose(gFused, gComposed, { atol: 1e-5, rtol: 1e-4, label: 'gradient vs composed ops' });
      expectAllClose(gFused, numericGradient(loss(fused), x, 1e-2), { atol: 3e-3, rtol: 1e-2, label: 'gradient vs finite differences' });
      tf.dispose([x, probe, y, gFused, gComposed]);
    });
  });

  it('keep no tensors after forward + backward', async () => {
    const x = tf.tensor4d(lcgValues(2 * 3 * 4 * 5, 2), [2, 3, 4, 5]);
    await expectNoTensorLeak(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(fusedLayerNorm(fusedInstanceNorm(t as tf.Tensor4D, EPS), EPS))))(x);
      g.dispose();
    });
    x.dispose();
  });
});
