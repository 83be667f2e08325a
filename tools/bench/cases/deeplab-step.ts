/**
 * deeplab-step: one source-only training step of the full DeepLabV2-ResNet101
 * (SPEC §3) on [1, size, 2·size, 3]: forward, logits upsampled (bilinear,
 * align corners) to the input size, cross-entropy (ignore 255), backward,
 * SGD update (lr 2.5e-4, momentum 0.9, weight decay 5e-4, ASPP ×10) — the
 * same computation as torch_reference.py's `deeplab-step` (its DeepLabV2 is
 * BDL's: a projection shortcut on the first block of each layer only;
 * 43,901,068 parameters, as ours). `--size 512` is BDL's 512×1024 crop.
 * Weights: uniform ±0.01 (values do not matter for timing; Box–Muller for
 * 44M weights would dominate setup).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { DeepLabV2, SegmenterTrainer } from '@semadapt/segmenter';
import type { BenchCase } from '../case';

const deeplabStep: BenchCase = {
  name: 'deeplab-step',
  description: 'DeepLabV2-ResNet101 forward + CE + backward + SGD step, batch 1, size x 2size',
  torchCase: 'deeplab-step',
  shape: (size) => [1, size, 2 * size, 3],
  async setup(size) {
    const init = { kind: 'uniform', low: -0.01, high: 0.01 } as const;
    const net = new DeepLabV2({ rng: new Rng(1), backboneInit: init, classifierInit: init });
    const trainer = new SegmenterTrainer(net, { mode: { kind: 'sourceOnly' } });
    const x = tf.randomNormal([1, size, 2 * size, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
    const y = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([1, size, 2 * size], 0, 19, 'float32', 2)), 'int32')) as tf.Tensor3D;
    return {
      async run() {
        const losses = trainer.step({ source: x, sourceLabels: y });
        if (!Number.isFinite(losses.total)) throw new Error(`deeplab-step: loss ${losses.total}`);
      },
      dispose() {
        trainer.dispose();
        net.dispose();
        tf.dispose([x, y]);
      },
    };
  },
};

export default deeplabStep;
