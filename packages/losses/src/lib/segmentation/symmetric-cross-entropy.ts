/**
 * Soft symmetric cross-entropy between two segmentations given as logits
 * (SPEC §2, the paper's semantic-consistency term between `S(x_s)` and
 * `S(x_st)`):
 *
 *   SCE(a, b) = −Σ_c softmax(a)_c · log softmax(b)_c − Σ_c softmax(b)_c · log softmax(a)_c
 *
 * per pixel, then the mean over pixels (N·H·W). Both arguments are soft and
 * both pass gradients: no `stopGradient` on either side.
 */
import * as tf from '@tensorflow/tfjs-core';

/** SCE of NHWC logits `a` and `b` of equal shape `[N, H, W, C]`; a scalar. */
export function symmetricCrossEntropy(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`symmetricCrossEntropy: logits must have equal shapes, received [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => {
    const logA = tf.logSoftmax(a);
    const logB = tf.logSoftmax(b);
    const perPixel = tf.neg(tf.add(tf.sum(tf.mul(tf.exp(logA), logB), -1), tf.sum(tf.mul(tf.exp(logB), logA), -1)));
    return tf.mean(perPixel) as tf.Scalar;
  });
}
