/**
 * `resizeGradientKernelsExact`: true only where the resize gradient kernels
 * are ours (native), and there tfjs's own resize gradients are the exact
 * adjoints of the forwards for batch > 1, odd sizes and half-pixel centres —
 * the cases where tfjs 4.22's cpu/wasm kernels are wrong. Checked by the
 * dot-product test ⟨R x, y⟩ = ⟨x, Rᵀ y⟩ in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, setTestBackend, testBackends } from '../testing';
import { resizeGradientKernelsExact } from './resize-gradients';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe.each(testBackends())('resizeGradientKernelsExact on %s', (backend) => {
  it('is true only on the native backend', async () => {
    await setTestBackend(backend);
    expect(resizeGradientKernelsExact()).toBe(backend === 'native');
  });
});

const resizes: Array<[string, (x: tf.Tensor4D) => tf.Tensor4D]> = [
  ['nearest 3×4 → 7×5', (x) => tf.image.resizeNearestNeighbor(x, [7, 5], false, false)],
  ['bilinear half-pixel 3×4 → 8×6', (x) => tf.image.resizeBilinear(x, [8, 6], false, true)],
  ['bilinear aligned corners 3×4 → 7×9', (x) => tf.image.resizeBilinear(x, [7, 9], true, false)],
];

if (testBackends().includes('native')) {
  describe('resize gradients on native', () => {
    beforeAll(async () => {
      await setTestBackend('native');
    });
    it.each(resizes)("%s, batch 2: tfjs's gradient is the adjoint of the forward", (_name, resize) => {
      const x = tf.tensor4d(lcgValues(2 * 3 * 4 * 3, 5), [2, 3, 4, 3]);
      const rx = resize(x);
      const y = tf.tensor(lcgValues(rx.size, 6), rx.shape);
      const rty = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(resize(v as tf.Tensor4D), y)))(x);
      const lhs = dot(rx.dataSync(), y.dataSync());
      const rhs = dot(x.dataSync(), rty.dataSync());
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * Math.max(1, Math.abs(lhs)));
      tf.dispose([x, rx, y, rty]);
    });
  });
} else {
  it('resize gradients on native: not tested (the addon is not loaded)', () => {
    console.warn('\n*** NATIVE RESIZE GRADIENTS NOT TESTED: the addon is not loaded ***\n');
    expect(resizeGradientKernelsExact()).toBe(false);
  });
}
