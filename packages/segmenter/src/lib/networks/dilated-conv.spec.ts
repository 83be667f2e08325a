import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Rng } from '@semadapt/core-layers';
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
});
