/**
 * `dilatedSameConv` against a float64 direct loop written here from the
 * definition (y[o] = b + Σ_k x[o + (k − c)·d]·W[k], zero outside), with the
 * gradients of L = Σ y·r by the same loop; then native and wasm (the direct
 * dilated kernel where the addon runs the convolutions) against the cpu tap sums.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, setTestBackend, testBackends } from '../testing';
import { convGradientKernelsTakeDilations } from './native-conv-kernels';
import { dilatedSameConv } from './dilated-conv';

/** y, dx, dw, db of a stride-1 "same" dilated conv (odd k), float64. */
function reference(shape: number[], k: number, co: number, d: number, x: Float32Array, w: Float32Array, b: Float32Array, r: Float32Array) {
  const [n, h, wd, ci] = shape;
  const c = (k - 1) / 2;
  const y = new Float64Array(n * h * wd * co);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(co);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < wd; j++) {
        const yo = ((s * h + i) * wd + j) * co;
        for (let o = 0; o < co; o++) {
          y[yo + o] += b[o];
          db[o] += r[yo + o];
        }
        for (let a = 0; a < k; a++) {
          const ii = i + (a - c) * d;
          if (ii < 0 || ii >= h) continue;
          for (let bb = 0; bb < k; bb++) {
            const jj = j + (bb - c) * d;
            if (jj < 0 || jj >= wd) continue;
            for (let q = 0; q < ci; q++) {
              const xi = ((s * h + ii) * wd + jj) * ci + q;
              for (let o = 0; o < co; o++) {
                const wi = ((a * k + bb) * ci + q) * co + o;
                y[yo + o] += x[xi] * w[wi];
                dx[xi] += r[yo + o] * w[wi];
                dw[wi] += x[xi] * r[yo + o];
              }
            }
          }
        }
      }
  return [y, dx, dw, db];
}

describe('dilatedSameConv', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  for (const d of [1, 2, 4, 6]) {
    it(`cpu x=[1,5,7,3] k=3 d=${d} (taps beyond the 5×7 map skipped): value, input, filter and bias gradients vs a float64 loop`, async () => {
      const shape = [1, 5, 7, 3];
      const xv = lcgValues(105, 10 + d);
      const wv = lcgValues(3 * 3 * 3 * 4, 20 + d, 0.5);
      const bv = lcgValues(4, 30 + d);
      const rv = lcgValues(5 * 7 * 4, 40 + d);
      const ref = reference(shape, 3, 4, d, xv, wv, bv, rv);
      const x = tf.tensor4d(xv, [1, 5, 7, 3]);
      const w = tf.tensor4d(wv, [3, 3, 3, 4]);
      const b = tf.tensor1d(bv);
      const probe = tf.tensor4d(rv, [1, 5, 7, 4]);
      await expectNoTensorLeak(() => {
        const y = dilatedSameConv(x, w, d, b);
        const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(dilatedSameConv(xi as tf.Tensor4D, wi as tf.Tensor4D, d, bi), probe)))([x, w, b]);
        [y, ...g].forEach((t, i) => expectAllClose(t, ref[i], { atol: 1e-4, rtol: 1e-4, label: ['y', 'dx', 'dw', 'db'][i] }));
        tf.dispose([y, ...g]);
      });
      tf.dispose([x, w, b, probe]);
    });
  }

  // Where the addon runs the convolutions (native; wasm with the addon), convolutions whose taps all touch
  // the map run as one direct dilated conv (gradients by the native kernels); compare with the cpu tap sums.
  for (const target of testBackends().filter((b) => b !== 'cpu')) {
    for (const d of [1, 2, 4]) {
      it(`${target} x=[2,9,11,5] k=3 d=${d}: value and gradients equal the cpu tap sums (direct path where native)`, async () => {
        const grads = () =>
          tf.tidy(() => {
            const x = tf.tensor4d(lcgValues(2 * 9 * 11 * 5, 31 + d), [2, 9, 11, 5]);
            const w = tf.tensor4d(lcgValues(3 * 3 * 5 * 6, 32 + d), [3, 3, 5, 6]);
            const b = tf.tensor1d(lcgValues(6, 33 + d));
            const probe = tf.tensor4d(lcgValues(2 * 9 * 11 * 6, 34 + d), [2, 9, 11, 6]);
            const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(dilatedSameConv(xi as tf.Tensor4D, wi as tf.Tensor4D, d, bi), probe));
            return [dilatedSameConv(x, w, d, b), ...tf.grads(f)([x, w, b])].map((t) => Float32Array.from(t.dataSync()));
          });
        await setTestBackend(target);
        const onTarget = grads();
        const direct = convGradientKernelsTakeDilations();
        if (target === 'native') expect(direct).toBe(true);
        await setTestBackend('cpu');
        const onCpu = grads();
        expect(convGradientKernelsTakeDilations()).toBe(false);
        ['y', 'dx', 'dw', 'db'].forEach((name, i) => expectAllClose(onTarget[i], onCpu[i], { atol: 1e-4, rtol: 1e-4, label: `${name} (${direct ? 'direct' : 'tap sums'} on ${target})` }));
      });
    }
  }
});
