import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectAllClose, expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { FCN8s, bilinearUpsamplingFilter } from './fcn8s';

describe('FCN8s', () => {
  beforeAll(async () => {
    await setTestBackend('wasm');
  });

  it('bilinear upsampling filter k=4, 2 classes: outer product of [0.25, 0.75, 0.75, 0.25] on the diagonal (FCN get_upsampling_weight, by hand)', () => {
    const f = bilinearUpsamplingFilter(2, 4);
    const v = [0.25, 0.75, 0.75, 0.25];
    const expected = new Float32Array(4 * 4 * 2 * 2);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 2; c++) expected[((y * 4 + x) * 2 + c) * 2 + c] = v[y] * v[x];
    expectAllClose(f, expected, { atol: 0, rtol: 0 });
    f.dispose();
  });

  it('full VGG16 width: parameter count by hand, and forward x=[1,20,28,3] → logits [1,20,28,19] (pad 100 / crops 5, 9, 31)', async () => {
    // Constant init: the test is about structure and shapes (134M Box–Muller draws are slow under jest).
    const net = new FCN8s({ rng: new Rng(1), backboneInit: { kind: 'constant', value: 1e-4 } }).eval();
    const vgg = [[3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256], [256, 256], [256, 512], [512, 512], [512, 512], [512, 512], [512, 512], [512, 512]];
    const convs = vgg.reduce((n, [i, o]) => n + 9 * i * o + o, 0); // 14,714,688 (torchvision vgg16 features)
    expect(convs).toBe(14_714_688);
    const fc = 49 * 512 * 4096 + 4096 + 4096 * 4096 + 4096;
    const scores = (4096 + 512 + 256) * 19 + 3 * 19;
    const deconvs = (16 + 16 + 256) * 19 * 19;
    expect(net.parameterCount()).toBe(convs + fc + scores + deconvs);
    const x = tf.randomNormal([1, 20, 28, 3], 0, 50, 'float32', 2) as tf.Tensor4D;
    await expectNoTensorLeak(() => {
      const y = net.forward(x);
      expect(y.shape).toEqual([1, 20, 28, 19]);
      y.dispose();
    });
    x.dispose();
    net.dispose();
  });
});
