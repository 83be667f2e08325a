/**
 * L1 distance as the translator uses it for reconstruction, cycle and latent
 * cycle terms (SPEC §2, `‖a − b‖₁`): the **mean** absolute difference over
 * every element, as MUNIT's `recon_criterion` and PyTorch's `l1_loss`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `mean(|a − b|)`; shapes must be equal. */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`l1Loss: shapes differ, received [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))) as tf.Scalar);
}
