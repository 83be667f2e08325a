/**
 * Our `Mean` gradient against a hand computation: for
 * `L = Σ probe · mean(x, axis)`, ∂L/∂x at every input position is the probe
 * value of the output it was averaged into, divided by the number of values
 * averaged — over ranks 1–4, single and several axes, negative axes,
 * keepDims and the all-axes mean.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, lcgValues, setTestBackend, testBackends } from '../testing';
import { meanGradConfig } from './mean-grad';

const CASES: { shape: number[]; axis?: number | number[]; keepDims: boolean }[] = [
  { shape: [2, 5, 4, 3], axis: [1, 2], keepDims: false },
  { shape: [2, 5, 4, 3], axis: -1, keepDims: true },
  { shape: [3, 4, 2], axis: [0, 2], keepDims: true },
  { shape: [6], axis: 0, keepDims: false },
  { shape: [4, 3], axis: undefined, keepDims: false },
  { shape: [2, 3, 4, 5], axis: undefined, keepDims: true },
];

/** Row-major strides of a shape. */
function strides(shape: number[]): number[] {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** ∂/∂x of Σ probe · mean(x, axes) by index arithmetic. */
function handGradient(shape: number[], axes: number[], probe: Float32Array): Float32Array {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((n, a) => n * shape[a], 1);
  const xs = strides(shape);
  const ks = strides(kept);
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let k = 0;
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(i / xs[d]) % shape[d];
      if (!axes.includes(d)) k += coord * ks[d];
    }
    out[i] = probe[k] / count;
  }
  return out;
}

describe.each(testBackends())('Mean gradient, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('is the registered Mean gradient', () => {
    expect(tf.getGradient('Mean')).toBe(meanGradConfig);
  });

  const named = CASES.map((c) => [`x=[${c.shape}] axis=${JSON.stringify(c.axis)} keepDims=${c.keepDims}`, c] as const);
  it.each(named)('%s: equals the hand computation', (_name, { shape, axis, keepDims }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const axes = axis === undefined ? shape.map((_, i) => i) : tf.util.parseAxisParam(axis, shape);
    const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    const probeValues = lcgValues(Math.max(1, outShape.reduce((a, b) => a * b, 1)), 5);
    const x = tf.tensor(lcgValues(size, 3), shape);
    const probe = tf.tensor(probeValues, outShape);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axis, keepDims), probe)))(x);
    expect(g.shape).toEqual(shape);
    expectAllClose(g.dataSync(), handGradient(shape, axes, probeValues), { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([x, probe, g]);
  });
});
