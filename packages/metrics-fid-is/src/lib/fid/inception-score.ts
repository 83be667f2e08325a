/** Inception Score result: mean and (population) standard deviation over splits. */
export interface InceptionScore {
  mean: number;
  std: number;
  splits: number;
  count: number;
}

/**
 * Inception Score (SPEC §6): exp(E_x KL(p(y|x) ‖ p(y))), computed on each of
 * `splits` equal consecutive parts (the remainder is dropped, as in the
 * reference implementation of Salimans et al. and its PyTorch port), then
 * mean ± std over the parts.
 *
 * @param probs row-major class probabilities, `count` rows of `classes` each
 */
export function inceptionScore(probs: ArrayLike<number>, count: number, classes: number, splits = 10): InceptionScore {
  if (probs.length !== count * classes) throw new Error(`inceptionScore: ${probs.length} values, expected ${count} × ${classes}`);
  if (!Number.isInteger(splits) || splits < 1) throw new Error(`inceptionScore: splits must be a positive integer, got ${splits}`);
  const per = Math.floor(count / splits);
  if (per < 1) throw new Error(`inceptionScore: ${count} images cannot be cut into ${splits} splits`);
  const scores: number[] = [];
  for (let k = 0; k < splits; k++) {
    const start = k * per;
    const marginal = new Float64Array(classes);
    for (let r = start; r < start + per; r++) for (let c = 0; c < classes; c++) marginal[c] += probs[r * classes + c];
    for (let c = 0; c < classes; c++) marginal[c] /= per;
    let klSum = 0;
    for (let r = start; r < start + per; r++) {
      for (let c = 0; c < classes; c++) {
        const p = probs[r * classes + c];
        if (p > 0) klSum += p * Math.log(p / marginal[c]);
      }
    }
    scores.push(Math.exp(klSum / per));
  }
  const mean = scores.reduce((s, v) => s + v, 0) / splits;
  const std = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / splits);
  return { mean, std, splits, count };
}

/** Row-wise softmax of logits (for models that output logits, not probabilities). */
export function softmaxRows(logits: ArrayLike<number>, rows: number, classes: number): Float64Array {
  const out = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[r * classes + c] = Math.exp(logits[r * classes + c] - max);
    for (let c = 0; c < classes; c++) out[r * classes + c] /= sum;
  }
  return out;
}
