import * as tf from '@tensorflow/tfjs-core';
import { Rng, Sgd, Adam } from '@semadapt/core-layers';
import { bceWithLogits, crossEntropy } from '@semadapt/losses';
import { expectAllClose, expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { DeepLabV2 } from '../networks/deeplab-v2';
import { FCN8s } from '../networks/fcn8s';
import { logitsAtSize } from '../networks/segmenter';
import { SegmenterTrainer, type AdaptBatch } from './segmenter-trainer';

// Small ASPP dilations keep the tiny maps cheap (the paper's 6…24 are tested in deeplab-v2.spec / the weights specs).
const tinyDeepLab = (seed: number) =>
  new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, asppDilations: [1, 2], rng: new Rng(seed) });

/** A toy set: class 1 where the image's first channel is positive, class 0 elsewhere, border ignored (255). */
function toyBatch(seed: number, size = 32): { image: tf.Tensor4D; labels: tf.Tensor3D } {
  return tf.tidy(() => {
    const image = tf.randomNormal([1, size, size, 3], 0, 30, 'float32', seed) as tf.Tensor4D;
    // Smooth the pattern so a stride-8 network can represent it: 4×4 blocks.
    const coarse = tf.randomNormal([1, size / 4, size / 4, 1], 0, 1, 'float32', seed + 1);
    const up = tf.image.resizeNearestNeighbor(coarse as tf.Tensor4D, [size, size]);
    const img = tf.concat([up, tf.mul(tf.slice(image, [0, 0, 0, 1], [-1, -1, -1, 2]), 1 / 30)], 3) as tf.Tensor4D;
    let labels = tf.cast(tf.greater(tf.squeeze(up, [3]), 0), 'int32');
    const border = tf.pad(tf.zeros([1, size - 2, size - 2]), [[0, 0], [1, 1], [1, 1]], 1);
    labels = tf.where(tf.cast(border, 'bool'), tf.fill(labels.shape, 255, 'int32'), labels);
    return { image: img, labels: labels as tf.Tensor3D };
  });
}

describe('SegmenterTrainer', () => {
  beforeAll(async () => {
    // wasm: the pure-JS cpu kernels are ~20× slower under jest; the losses and optimizers are backend-independent.
    await setTestBackend('wasm');
  });

  it('defaults (SPEC §3): DeepLabV2 SGD 2.5e-4 m0.9 wd5e-4 poly, λ=0.001; FCN8s Adam 1e-5 (0.9,0.99), λ=0.0001; D Adam 1e-4', () => {
    const dl = tinyDeepLab(1);
    const t = new SegmenterTrainer(dl);
    expect(t.segmenterOptimizer).toBeInstanceOf(Sgd);
    const sgd = t.segmenterOptimizer as Sgd;
    expect([sgd.lr, sgd.momentum, sgd.weightDecay]).toEqual([2.5e-4, 0.9, 5e-4]);
    expect(sgd.schedule).toEqual({ kind: 'poly', maxSteps: 250000, power: 0.9 });
    expect(t.lambdaAdv).toBe(0.001);
    const dOpt = t.discriminatorOptimizer as Adam;
    expect([dOpt.lr, dOpt.beta1, dOpt.beta2]).toEqual([1e-4, 0.9, 0.99]);
    t.dispose();
    dl.dispose();
    const fcn = new FCN8s({ width: 0.0625, rng: new Rng(2) });
    const tf8 = new SegmenterTrainer(fcn);
    const adam = tf8.segmenterOptimizer as Adam;
    expect([adam.lr, adam.beta1, adam.beta2]).toEqual([1e-5, 0.9, 0.99]);
    expect(tf8.lambdaAdv).toBe(0.0001);
    tf8.dispose();
    fcn.dispose();
    expect(() => new SegmenterTrainer(tinyDeepLab(3), { lambdaAdv: -1 })).toThrow(/lambdaAdv.*-1/);
  });

  it('adapt step x=[1,32,32,3]: returned terms equal an independent evaluation; total = CE_s + CE_t + λ·adv; BN frozen; D and S change', () => {
    const net = tinyDeepLab(4);
    const trainer = new SegmenterTrainer(net, { lambdaAdv: 0.5 });
    const s = toyBatch(10);
    const t = toyBatch(20);
    const d = trainer.discriminator!;
    // Independent evaluation of each SPEC §3 term with the same parameters, before the step.
    const [ceS, ceT, adv] = tf.tidy(() => {
      const ps = logitsAtSize(net, s.image, 32, 32);
      const pt = logitsAtSize(net, t.image, 32, 32);
      return [crossEntropy(ps, s.labels), crossEntropy(pt, t.labels), bceWithLogits(d.forward(tf.softmax(pt) as tf.Tensor4D), 0)].map((x) => x.dataSync()[0]);
    });
    const bnBefore = tf.clone(net.bn1.weight!);
    const meanBefore = tf.clone(net.layer2.namedBuffers().find(([n]) => n === '0.bn2.running_mean')![1]);
    const dBefore = tf.clone(d.classifier.weight);
    const asppBefore = tf.clone(net.aspp.branches[0].weight);
    const losses = trainer.step({ source: s.image, sourceLabels: s.labels, target: t.image, targetLabels: t.labels });
    expectAllClose([losses.segSource, losses.segTarget, losses.adv], [ceS, ceT, adv], { rtol: 1e-4, atol: 1e-5 });
    expect(losses.total).toBeCloseTo(ceS + ceT + 0.5 * adv, 4);
    expect(losses.dSource).toBeGreaterThan(0);
    expect(losses.dTarget).toBeGreaterThan(0);
    expect(losses.lr).toBe(2.5e-4);
    expectAllClose(net.bn1.weight!, bnBefore, { atol: 0, rtol: 0, label: 'bn1.weight frozen' });
    expectAllClose(net.layer2.namedBuffers().find(([n]) => n === '0.bn2.running_mean')![1], meanBefore, { atol: 0, rtol: 0 });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(d.classifier.weight, dBefore))).dataSync()[0])).toBeGreaterThan(0);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(net.aspp.branches[0].weight, asppBefore))).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([bnBefore, meanBefore, dBefore, asppBefore, s.image, s.labels, t.image, t.labels]);
    trainer.dispose();
    net.dispose();
  });

  it('adapt steps keep tf.memory().numTensors flat (DeepLabV2 with pseudo-labels, FCN8s without)', async () => {
    const net = tinyDeepLab(5);
    const trainer = new SegmenterTrainer(net);
    const s = toyBatch(30);
    const t = toyBatch(40);
    const batch: AdaptBatch = { source: s.image, sourceLabels: s.labels, target: t.image, targetLabels: t.labels };
    trainer.step(batch);
    await expectNoTensorLeak(() => {
      for (let i = 0; i < 2; i++) trainer.step(batch);
    }, 'DeepLabV2 adapt steps');
    trainer.dispose();
    net.dispose();
    const fcn = new FCN8s({ width: 1 / 64, rng: new Rng(6) });
    const tf8 = new SegmenterTrainer(fcn);
    tf8.step({ source: s.image, sourceLabels: s.labels, target: t.image });
    await expectNoTensorLeak(() => {
      const l = tf8.step({ source: s.image, sourceLabels: s.labels, target: t.image });
      expect(l.segTarget).toBe(0);
      expect(l.adv).toBeGreaterThan(0);
    }, 'FCN8s adapt step');
    tf8.dispose();
    fcn.dispose();
    tf.dispose([s.image, s.labels, t.image, t.labels]);
  });

  it('source-only loss falls on a 2-image toy set (DeepLabV2 blocks [1,1,1,1], SGD lr 0.01, 10 steps)', () => {
    const net = tinyDeepLab(7);
    const trainer = new SegmenterTrainer(net, {
      mode: { kind: 'sourceOnly' },
      segmenterOptimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4, schedule: { kind: 'constant' } },
    });
    expect(trainer.discriminator).toBeNull();
    const data = [toyBatch(50), toyBatch(60)];
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const b = data[i % 2];
      const l = trainer.step({ source: b.image, sourceLabels: b.labels });
      expect(l.adv).toBe(0);
      losses.push(l.total);
    }
    const first = (losses[0] + losses[1]) / 2;
    const last = (losses[8] + losses[9]) / 2;
    expect(last).toBeLessThan(0.6 * first);
    tf.dispose(data.flatMap((b) => [b.image, b.labels]));
    trainer.dispose();
    net.dispose();
  });
});
