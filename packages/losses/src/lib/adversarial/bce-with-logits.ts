/**
 * Binary cross-entropy on logits, the output-space discriminator's loss
 * (SPEC §3, AdaptSegNet). Computed in the numerically stable form
 * `max(x, 0) − x·z + log(1 + exp(−|x|))`, finite for any finite logit.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean over all elements of the BCE between `logits` and `targets`
 * (a tensor broadcastable to `logits`, or a constant such as 1 for "source").
 * Targets must lie in [0, 1]; a constant outside throws.
 */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor | number): tf.Scalar {
  if (typeof targets === 'number' && !(targets >= 0 && targets <= 1)) {
    throw new Error(`bceWithLogits: target must be in [0, 1], received ${targets}`);
  }
  return tf.tidy(() => {
    const z = typeof targets === 'number' ? tf.scalar(targets) : targets;
    const perElement = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, z)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(perElement) as tf.Scalar;
  });
}
