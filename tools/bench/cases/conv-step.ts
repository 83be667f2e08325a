/**
 * conv-step: one conv3×3 128→128 (stride 1, same padding, bias) on
 * [1, size, size, 128], forward plus the input, filter and bias gradients of
 * mean(y²) — the same computation as torch_reference.py's `conv-step`. The
 * convolution is core-layers' `conv2dWithBias`, the op its Conv2d layer runs
 * (like nn.Conv2d, the bias is added inside the convolution).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dWithBias } from '@semadapt/core-layers';
import type { BenchCase } from '../case';

const C = 128;
const K = 3;

const convStep: BenchCase = {
  name: 'conv-step',
  description: 'conv3x3 128->128 forward + input/filter/bias gradients, batch 1, size x size',
  torchCase: 'conv-step',
  shape: (size) => [1, size, size, C],
  // Forward, input gradient and filter gradient each cost 2·K²·C²·size² FLOP.
  flops: (size) => 3 * 2 * K * K * C * C * size * size,
  async setup(size, ctx) {
    const x = tf.randomNormal([1, size, size, C], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([K, K, C, C], 0, 0.05, 'float32', 2) as tf.Tensor4D);
    const b = tf.variable(tf.zeros([C]));
    const loss = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      tf.mean(tf.square(conv2dWithBias(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, [1, 1], [[0, 0], [1, 1], [1, 1], [0, 0]])));
    const grads = tf.grads(loss);
    return {
      async run() {
        const gs = grads([x, w, b]);
        // The three gradients are the step's result; like torch's .grad they stay on the backend.
        await ctx.settle(gs);
        tf.dispose(gs);
      },
      dispose() {
        tf.dispose([x, w, b]);
      },
    };
  },
};

export default convStep;
