/**
 * `conv2dWithBias` against tfjs's own composition on the cpu backend —
 * `tf.conv2d` then `tf.add`, differentiated by tfjs's stock gradients — for
 * y and the gradients of x, filter and bias: on every test backend, strided
 * and explicitly padded. On wasm each case runs on the native kernels (when
 * the addon is built) and again with `SEMADAPT_NATIVE_MIN_FLOPS` above its
 * work, which keeps it on the stock kernels (the filter-and-bias kernel then
 * sums dy itself).
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, relativeError, setTestBackend, testBackends } from '../../testing';
import { conv2dWithBias } from './conv2d-bias';

type Pad = 'valid' | tf.backend_util.ExplicitPadding;

const CASES: { x: [number, number, number, number]; k: number; co: number; s: [number, number]; pad: Pad }[] = [
  { x: [2, 9, 8, 5], k: 3, co: 6, s: [1, 1], pad: 'valid' },
  { x: [1, 11, 10, 16], k: 4, co: 24, s: [2, 2], pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
  { x: [1, 12, 12, 32], k: 3, co: 32, s: [1, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
];

/** [y, dx, dw, db] of L = Σ r·f(x, w, b). */
function valuesAndGradients(c: (typeof CASES)[number], f: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D): Float32Array[] {
  return tf.tidy(() => {
    const size = c.x.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(lcgValues(size, 31), c.x);
    const w = tf.tensor4d(lcgValues(c.k * c.k * c.x[3] * c.co, 32).map((v) => v * 0.3), [c.k, c.k, c.x[3], c.co]);
    const b = tf.tensor1d(lcgValues(c.co, 33));
    const y = f(x, w, b);
    const r = tf.tensor(lcgValues(y.size, 34), y.shape);
    const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D), r)))([x, w, b]);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

describe.each(testBackends())('conv2dWithBias on %s', (backend) => {
  it.each(CASES)('x=$x k=$k co=$co strides=$s pad=$pad: y, dx, dw, db equal conv2d + add on cpu', async (c) => {
    await setTestBackend('cpu');
    const expected = valuesAndGradients(c, (x, w, b) => tf.add(tf.conv2d(x, w, c.s, c.pad), b));
    await setTestBackend(backend);
    const saved = process.env['SEMADAPT_NATIVE_MIN_FLOPS'];
    try {
      for (const minFlops of backend === 'wasm' ? ['0', '1e15'] : ['0']) {
        process.env['SEMADAPT_NATIVE_MIN_FLOPS'] = minFlops;
        const actual = valuesAndGradients(c, (x, w, b) => conv2dWithBias(x, w, b, c.s, c.pad));
        ['y', 'dx', 'dw', 'db'].forEach((name, i) => {
          const err = relativeError(actual[i], expected[i]);
          if (err > 1e-4) throw new Error(`SEMADAPT_NATIVE_MIN_FLOPS=${minFlops}, ${name}: relative error ${err} > 1e-4`);
        });
      }
    } finally {
      if (saved === undefined) delete process.env['SEMADAPT_NATIVE_MIN_FLOPS'];
      else process.env['SEMADAPT_NATIVE_MIN_FLOPS'] = saved;
    }
  });
});
