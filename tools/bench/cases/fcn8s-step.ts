/**
 * fcn8s-step: one source-only training step of the full FCN8s-VGG16 at-once
 * (SPEC §3) on [1, size, 2·size, 3]: forward, cross-entropy (ignore 255),
 * backward, SGD update (lr 2.5e-4, momentum 0.9, as torch_reference.py's
 * `fcn8s-step`, whose FCN8s is the same at-once network (pad 100, learned
 * deconvolutions, 134,456,985 parameters); the paper trains FCN8s with Adam,
 * whose update costs the same order). `--size 512` is 512×1024.
 * Dropout 0.5 after fc6/fc7 as the original. Weights uniform ±0.01.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { FCN8s, SegmenterTrainer } from '@semadapt/segmenter';
import type { BenchCase } from '../case';

const fcn8sStep: BenchCase = {
  name: 'fcn8s-step',
  description: 'FCN8s-VGG16 (at-once, pad 100) forward + CE + backward + SGD step, batch 1, size x 2size',
  torchCase: 'fcn8s-step',
  shape: (size) => [1, size, 2 * size, 3],
  async setup(size) {
    const net = new FCN8s({ rng: new Rng(1), backboneInit: { kind: 'uniform', low: -0.01, high: 0.01 } });
    const trainer = new SegmenterTrainer(net, {
      mode: { kind: 'sourceOnly' },
      segmenterOptimizer: { kind: 'sgd', lr: 2.5e-4, momentum: 0.9, weightDecay: 0, schedule: { kind: 'constant' } },
    });
    const x = tf.randomNormal([1, size, 2 * size, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
    const y = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([1, size, 2 * size], 0, 19, 'float32', 2)), 'int32')) as tf.Tensor3D;
    return {
      async run() {
        const losses = trainer.step({ source: x, sourceLabels: y });
        if (!Number.isFinite(losses.total)) throw new Error(`fcn8s-step: loss ${losses.total}`);
      },
      dispose() {
        trainer.dispose();
        net.dispose();
        tf.dispose([x, y]);
      },
    };
  },
};

export default fcn8sStep;
