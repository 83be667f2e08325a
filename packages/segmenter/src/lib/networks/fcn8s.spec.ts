import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectAllClose, expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { scheduleFactor } from '@semadapt/core-layers';
import { SegmenterTrainer } from '../training/segmenter-trainer';
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

  describe("BDL's optimisation (model/fcn8s.py, model/__init__.py)", () => {
    /** One Adam step (first step: each update is lr·mult·g/(|g|+eps), i.e. ±lr·mult where g ≠ 0). */
    function deltasAfterOneStep(learnUpsampling: boolean): Map<string, number> {
      const net = new FCN8s({ width: 0.0625, numClasses: 3, rng: new Rng(5), learnUpsampling });
      for (const layer of [net.score_fr, net.score_pool4, net.score_pool3]) {
        const w = tf.randomNormal(layer.weight.shape, 0, 0.5, 'float32', 6);
        layer.weight.assign(w);
        w.dispose();
      }
      const before = new Map(net.namedParameters().map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
      const trainer = new SegmenterTrainer(net, { mode: { kind: 'sourceOnly' } });
      const x = tf.randomNormal([1, 24, 24, 3], 0, 50, 'float32', 7) as tf.Tensor4D;
      const y = tf.tensor3d(Array.from({ length: 576 }, (_, i) => (i % 7 === 0 ? 255 : i % 3)), [1, 24, 24], 'int32');
      trainer.step({ source: x, sourceLabels: y });
      const maxDelta = new Map<string, number>();
      for (const [n, v] of net.namedParameters()) {
        const now = Array.from(v.dataSync());
        const was = before.get(n) as Float32Array;
        maxDelta.set(n, now.reduce((m: number, a: number, i: number) => Math.max(m, Math.abs(a - was[i])), 0));
      }
      tf.dispose([x, y]);
      trainer.dispose();
      net.dispose();
      return maxDelta;
    }

    it('deconvolutions fixed at bilinear (no update) by default, learned with learnUpsampling; biases at 2× the rate of weights', () => {
      const lr = 1e-5; // SPEC §3 / BDL paper's FCN8s Adam rate, the trainer's default
      const fixed = deltasAfterOneStep(false);
      for (const d of ['upscore2.weight', 'upscore_pool4.weight', 'upscore8.weight']) expect(fixed.get(d)).toBe(0);
      const weights = [...fixed].filter(([n]) => n.endsWith('.weight') && !n.startsWith('upscore')).map(([, d]) => d);
      const biases = [...fixed].filter(([n]) => n.endsWith('.bias')).map(([, d]) => d);
      expect(Math.max(...weights)).toBeCloseTo(lr, 7);
      expect(Math.max(...biases)).toBeCloseTo(2 * lr, 7);
      const learned = deltasAfterOneStep(true);
      expect(learned.get('upscore8.weight')).toBeGreaterThan(0.5 * lr);
    });

    it('S and D rates: lr·0.1^⌊i/50000⌋ (BDL adjust_learning_rate), by hand at 0, 49,999, 50,000, 120,000', () => {
      const net = new FCN8s({ width: 0.0625, numClasses: 3, rng: new Rng(8) });
      const trainer = new SegmenterTrainer(net, { mode: { kind: 'adapt' }, discriminator: { baseChannels: 4 } });
      for (const opt of [trainer.segmenterOptimizer, trainer.discriminatorOptimizer]) {
        const schedule = (opt as NonNullable<typeof opt>).schedule;
        expect([0, 49_999, 50_000, 120_000].map((i) => scheduleFactor(schedule, i))).toEqual([1, 1, expect.closeTo(0.1, 12), expect.closeTo(0.01, 12)]);
      }
      trainer.dispose();
      net.dispose();
    });

    it('Dropout2d after fc6 and fc7 by default (whole channels dropped)', () => {
      const bdl = new FCN8s({ width: 0.0625, numClasses: 3, rng: new Rng(9) });
      const caffe = new FCN8s({ width: 0.0625, numClasses: 3, rng: new Rng(9), dropout2d: false });
      expect([bdl.drop6.channelwise, bdl.drop7.channelwise, caffe.drop6.channelwise]).toEqual([true, true, false]);
      bdl.dispose();
      caffe.dispose();
    });
  });
});
