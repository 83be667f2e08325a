/**
 * From segmenter logits to per-pixel predictions on the host: bilinear
 * upsampling with aligned corners to the label size (SPEC §3, §6), softmax,
 * max probability and argmax. Used by pseudo-labelling (`PixelPrediction`)
 * and by evaluation (argmax fed to `ConfusionMatrix`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PixelPrediction } from './pseudo-labels';

/** `[1, h, w, C]` logits → `[1, height, width, C]`, bilinear, align corners (DeepLab / BDL). */
export function upsampleLogits(logits: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (logits.rank !== 4 || logits.shape[0] !== 1) throw new Error(`upsampleLogits: expected [1, h, w, C] logits, got [${logits.shape}]`);
  if (logits.shape[1] === height && logits.shape[2] === width) return logits.clone();
  return tf.image.resizeBilinear(logits, [height, width], true);
}

/**
 * Argmax class and max softmax probability per pixel of `[1, h, w, C]`
 * logits after upsampling to `height × width`. Does not dispose `logits`.
 */
export async function predictFromLogits(name: string, logits: tf.Tensor4D, height: number, width: number): Promise<PixelPrediction> {
  const [labels, confidence] = tf.tidy(() => {
    const up = upsampleLogits(logits, height, width);
    const probs = tf.softmax(up, -1);
    return [tf.argMax(probs, -1), tf.max(probs, -1)];
  });
  try {
    const l = await labels.data();
    const c = (await confidence.data()) as Float32Array;
    return { name, labels: Uint8Array.from(l), confidence: Float32Array.from(c), width, height };
  } finally {
    labels.dispose();
    confidence.dispose();
  }
}
