/**
 * Per-pixel cross-entropy on NHWC logits with an ignore label (SPEC §3:
 * `CE(S(x_st), y_s)`, `CE(S(x_t), ŷ_t)`, ignore = 255), and the pseudo-label
 * helpers of BDL's self-supervised step (SPEC §3, pseudo-labels ŷ_t).
 *
 * Reduction follows PyTorch's `F.cross_entropy(..., ignore_index, weight)`:
 * `Σ_i w_{y_i} · nll_i / Σ_i w_{y_i}` over non-ignored pixels (w ≡ 1 without
 * class weights, i.e. the plain mean). A batch where every pixel is ignored
 * gives exactly 0 with zero gradients — not NaN as 0/0 would.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The ignore label of Cityscapes trainIds (SPEC §1). */
export const IGNORE_INDEX = 255;

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Label excluded from loss and normalizer. Default 255 (SPEC §1). */
  ignoreIndex?: number;
  /** Optional per-class weights, length C, each ≥ 0. Default: all 1. */
  classWeights?: readonly number[] | tf.Tensor1D;
}

function checkShapes(what: string, logits: tf.Tensor, labels: tf.Tensor): void {
  const ls = logits.shape;
  const ys = labels.shape;
  if (ls.length < 2 || ys.length !== ls.length - 1 || ys.some((d, i) => d !== ls[i])) {
    throw new Error(`${what}: logits [..., C] and labels [...] must agree on the leading dims; received logits [${ls}] and labels [${ys}]`);
  }
  if (labels.dtype !== 'int32') throw new Error(`${what}: labels must be int32, received ${labels.dtype}`);
}

/**
 * Cross-entropy of `logits` `[N, H, W, C]` (unnormalized) against integer
 * `labels` `[N, H, W]` (class ids in [0, C) or `ignoreIndex`). Returns a scalar.
 * Labels outside [0, C) other than `ignoreIndex` throw.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  checkShapes('crossEntropy', logits, labels);
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  const numClasses = logits.shape[logits.shape.length - 1];
  const cw = options.classWeights;
  if (cw !== undefined) {
    const n = cw instanceof tf.Tensor ? cw.size : cw.length;
    if (n !== numClasses) throw new Error(`crossEntropy: classWeights has ${n} entries but logits have ${numClasses} classes`);
    if (!(cw instanceof tf.Tensor) && cw.some((w) => !(w >= 0))) {
      throw new Error(`crossEntropy: classWeights must be ≥ 0, received [${cw.join(', ')}]`);
    }
  }
  const labelValues = labels.dataSync();
  for (let i = 0; i < labelValues.length; i++) {
    const y = labelValues[i];
    if (y !== ignoreIndex && (y < 0 || y >= numClasses)) {
      throw new Error(`crossEntropy: label ${y} at flat index ${i} is neither in [0, ${numClasses}) nor the ignore index ${ignoreIndex}`);
    }
  }
  return tf.tidy(() => {
    const valid = tf.notEqual(labels, ignoreIndex);
    const safe = tf.where(valid, labels, tf.zerosLike(labels)) as tf.Tensor;
    const oneHot = tf.oneHot(tf.reshape(safe, [-1]) as tf.Tensor1D, numClasses);
    const logp = tf.reshape(tf.logSoftmax(logits), [-1, numClasses]);
    const nll = tf.neg(tf.sum(tf.mul(oneHot, logp), -1));
    let w: tf.Tensor = tf.cast(tf.reshape(valid, [-1]), 'float32');
    if (cw !== undefined) {
      const weights = cw instanceof tf.Tensor ? cw : tf.tensor1d(cw as number[], 'float32');
      w = tf.mul(w, tf.sum(tf.mul(oneHot, weights), -1));
    }
    const total = tf.sum(w);
    const denominator = tf.where(tf.greater(total, 0), total, tf.onesLike(total));
    return tf.div(tf.sum(tf.mul(w, nll)), denominator) as tf.Scalar;
  });
}

/**
 * Pseudo-labels from segmenter logits `[N, H, W, C]`: `argmax softmax` where
 * its probability is ≥ the threshold, else `ignoreIndex` (SPEC §3). The
 * threshold is one number δ (default 0.9, (R)) or one per class — BDL's
 * `class-median` mode — indexed by the predicted class. Returns int32 `[N, H, W]`.
 */
export function pseudoLabels(logits: tf.Tensor, threshold: number | readonly number[] = 0.9, ignoreIndex = IGNORE_INDEX): tf.Tensor {
  const numClasses = logits.shape[logits.shape.length - 1];
  const thresholds = typeof threshold === 'number' ? [threshold] : threshold;
  if (typeof threshold !== 'number' && threshold.length !== numClasses) {
    throw new Error(`pseudoLabels: per-class threshold has ${threshold.length} entries but logits have ${numClasses} classes`);
  }
  if (thresholds.some((d) => !(d >= 0 && d <= 1))) {
    throw new Error(`pseudoLabels: thresholds must be in [0, 1], received ${JSON.stringify(threshold)}`);
  }
  return tf.tidy(() => {
    const prob = tf.softmax(logits);
    const confidence = tf.max(prob, -1);
    const argmax = tf.argMax(prob, -1);
    const cut = typeof threshold === 'number' ? tf.scalar(threshold) : tf.gather(tf.tensor1d(threshold as number[]), argmax);
    const keep = tf.greaterEqual(confidence, cut);
    return tf.where(keep, argmax, tf.fill(argmax.shape, ignoreIndex, 'int32'));
  });
}

/**
 * The self-training term `CE(S(x_t), ŷ_t)` (SPEC §3): cross-entropy of the
 * student's logits against pseudo-labels. `target` is either ready-made
 * pseudo-labels (int32, 255 = unconfident) or the frozen teacher's logits
 * with a threshold, from which `pseudoLabels` derives them (no gradient flows
 * into the teacher).
 */
export function pseudoLabelCrossEntropy(
  logits: tf.Tensor,
  target: { labels: tf.Tensor } | { teacherLogits: tf.Tensor; threshold?: number | readonly number[] },
  options: CrossEntropyOptions = {},
): tf.Scalar {
  if ('labels' in target) return crossEntropy(logits, target.labels, options);
  return tf.tidy(() => {
    const labels = pseudoLabels(target.teacherLogits, target.threshold ?? 0.9, options.ignoreIndex ?? IGNORE_INDEX);
    return crossEntropy(logits, labels, options);
  });
}
