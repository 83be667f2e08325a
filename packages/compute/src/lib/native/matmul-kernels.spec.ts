/**
 * The native backend's BatchMatMul (oneDNN matmul) against the cpu backend
 * and a float64 loop: transposes, batch broadcasting, odd and empty sizes,
 * and the translator's spectral-norm shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose } from '../../testing';
import { expectReasonWhenUnavailable, describeNative, onBoth, ref, useNativeTensorKernels, values } from './tensor-kernels-harness';

it('runs where the native backend is available, else reports why', expectReasonWhenUnavailable);

/** Float64 out[b] = op(a[b])·op(c[b]) with batch broadcasting of a single matrix. */
function matMulRef(a: Float32Array, aShape: number[], c: Float32Array, cShape: number[], ta: boolean, tc: boolean): Float64Array {
  const [ba, ra, ca] = aShape.length === 2 ? [1, ...aShape] : aShape;
  const [bc, rc, cc] = cShape.length === 2 ? [1, ...cShape] : cShape;
  const [m, k] = ta ? [ca, ra] : [ra, ca];
  const n = tc ? rc : cc;
  const batch = Math.max(ba, bc);
  const out = new Float64Array(batch * m * n);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a[(ba === 1 ? 0 : b) * ra * ca + (ta ? p * ca + i : i * ca + p)];
          const cv = c[(bc === 1 ? 0 : b) * rc * cc + (tc ? j * cc + p : p * cc + j)];
          s += av * cv;
        }
        out[(b * m + i) * n + j] = s;
      }
  return out;
}

describeNative('native BatchMatMul (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it.each([
    [[4096, 512], [512, 1], false, false], // spectral norm: W·v
    [[4096, 512], [4096, 1], true, false], // Wᵀ·u
    [[7, 5], [3, 5], false, true],
    [[5, 7], [5, 3], true, false],
    [[3, 6, 4], [3, 4, 5], false, false],
    [[3, 4, 6], [1, 5, 4], true, true],
    [[1, 6, 4], [3, 4, 5], false, false],
    [[3, 0, 4], [3, 4, 5], false, false],
    [[2, 3, 0], [2, 0, 4], false, false],
  ] as Array<[number[], number[], boolean, boolean]>)('[%p]·[%p] (transposes %p, %p) vs cpu and float64', async (as, bs, ta, tb) => {
    const a = values(ref.size(as), 91), b = values(ref.size(bs), 92);
    const { cpu, native } = await onBoth(() => tf.matMul(tf.tensor(a, as), tf.tensor(b, bs), ta, tb));
    expect(native[0].shape).toEqual(cpu[0].shape);
    // float32 sums of k products of values in [−1, 1): rounding grows like √k (k = 4096 here at most).
    const atol = 2e-6 * Math.max(16, as[as.length - 1], as[as.length - 2]);
    expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-4, atol, label: 'vs cpu' });
    expectAllClose(native[0].values, matMulRef(a, as, b, bs, ta, tb), { rtol: 1e-4, atol, label: 'vs float64' });
  });

  it('gradients of a matrix product match the cpu backend', async () => {
    const a = values(6 * 4, 93), b = values(4 * 5, 94);
    const { cpu, native } = await onBoth(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([tf.tensor(a, [6, 4]), tf.tensor(b, [4, 5])]));
    native.forEach((r, i) => expectAllClose(r.values, cpu[i].values, { rtol: 1e-4, atol: 1e-5, label: `grad ${i}` }));
  });
});
