import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Rng, convGradientKernelsTakeDilations } from '@semadapt/core-layers';
import { expectAllClose, expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { dilatedSameConv } from './dilated-conv';

describe('dilatedSameConv', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  // Reference: core-layers' Conv2d (space-to-batch atrous path, itself checked against PyTorch there).
  for (const d of [1, 2, 4, 6]) {
    it(`conv x=[1,5,7,3] k=3 d=${d} pad=zero ${d} (taps beyond the 5×7 map skipped): value, input and filter gradients`, async () => {
      const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, dilation: d, padding: { kind: 'zero', size: d }, rng: new Rng(d) });
      const x = tf.randomNormal([1, 5, 7, 3], 0, 1, 'float32', 10 + d) as tf.Tensor4D;
      const probe = tf.randomNormal([1, 5, 7, 4], 0, 1, 'float32', 20 + d);
      const loss = (f: (xi: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor) => tf.Tensor) => (xi: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(xi as tf.Tensor4D, w as tf.Tensor4D, b), probe));
      const ours = tf.grads(loss((xi, w, b) => dilatedSameConv(xi, w, d, b)));
      const ref = tf.grads(loss((xi, w, b) => tf.add(tf.sub(conv.forwardWithWeight(xi, w), conv.bias as tf.Tensor), b)));
      await expectNoTensorLeak(() => {
        const [y0, y1] = tf.tidy(() => [dilatedSameConv(x, conv.weight as tf.Tensor4D, d, conv.bias), conv.forward(x)]);
        expectAllClose(y0, y1, { atol: 1e-5, rtol: 1e-4, label: 'value' });
        const g0 = ours([x, conv.weight, conv.bias as tf.Tensor]);
        const g1 = ref([x, conv.weight, conv.bias as tf.Tensor]);
        ['dx', 'dw', 'db'].forEach((name, i) => expectAllClose(g0[i], g1[i], { atol: 1e-4, rtol: 1e-4, label: name }));
        tf.dispose([y0, y1, ...g0, ...g1]);
      });
      tf.dispose([x, probe]);
      conv.dispose();
    });
  }

  // On wasm with the native kernels, convolutions whose taps all touch the map run as one direct
  // dilated conv (gradients by the native kernels); compare them with the cpu backend's tap sums.
  for (const d of [1, 2, 4]) {
    it(`wasm x=[2,9,11,5] k=3 d=${d}: value and gradients equal the cpu tap sums (direct path when native)`, async () => {
      const grads = () =>
        tf.tidy(() => {
          const rng = new Rng(30 + d);
          const x = tf.tensor4d(rng.normalArray(2 * 9 * 11 * 5), [2, 9, 11, 5]);
          const w = tf.tensor4d(rng.normalArray(3 * 3 * 5 * 6), [3, 3, 5, 6]);
          const b = tf.tensor1d(rng.normalArray(6));
          const probe = tf.tensor4d(rng.normalArray(2 * 9 * 11 * 6), [2, 9, 11, 6]);
          const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(dilatedSameConv(xi as tf.Tensor4D, wi as tf.Tensor4D, d, bi), probe));
          return [dilatedSameConv(x, w, d, b), ...tf.grads(f)([x, w, b])].map((t) => Float32Array.from(t.dataSync()));
        });
      await setTestBackend('wasm');
      const onWasm = grads();
      const direct = convGradientKernelsTakeDilations();
      await setTestBackend('cpu');
      const onCpu = grads();
      expect(convGradientKernelsTakeDilations()).toBe(false);
      ['y', 'dx', 'dw', 'db'].forEach((name, i) => expectAllClose(onWasm[i], onCpu[i], { atol: 1e-4, rtol: 1e-4, label: `${name} (${direct ? 'direct' : 'tap sums'} on wasm)` }));
    });
  }
});
