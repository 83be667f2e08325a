/**
 * Streaming float64 mean and covariance of feature vectors.
 *
 * Batches are merged with the pairwise update of Chan, Golub & LeVeque
 * (1979): for a running set (n, μ, M₂) and a batch (b, μ_b, S_b),
 *   δ = μ_b − μ,  M₂ ← M₂ + S_b + δδᵀ·n·b/(n+b),  μ ← μ + δ·b/(n+b),
 * which stays accurate where the naive Σxxᵀ − nμμᵀ loses digits to
 * cancellation (Inception pool3 features have large means). The covariance
 * is unbiased (M₂ / (n − 1)), as `np.cov(rowvar=False)` in pytorch-fid.
 */
export class RunningMoments {
  readonly dim: number;
  private n = 0;
  private readonly mu: Float64Array;
  private readonly m2: Float64Array;

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`RunningMoments: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.mu = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
  }

  get count(): number {
    return this.n;
  }

  /** Add `rows` feature vectors stored row-major in `batch` (rows × dim). */
  addBatch(batch: ArrayLike<number>, rows: number): void {
    const d = this.dim;
    if (batch.length !== rows * d) throw new Error(`RunningMoments: batch has ${batch.length} values, expected ${rows} × ${d}`);
    if (rows === 0) return;
    const centred = new Float64Array(rows * d);
    const mb = new Float64Array(d);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mb[j] += batch[r * d + j];
    for (let j = 0; j < d; j++) mb[j] /= rows;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        const v = batch[r * d + j];
        if (!Number.isFinite(v)) throw new Error(`RunningMoments: non-finite feature at row ${r}, column ${j}`);
        centred[r * d + j] = v - mb[j];
      }
    }
    const n = this.n;
    const w = (n * rows) / (n + rows);
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = mb[j] - this.mu[j];
    // M₂ += S_b + w·δδᵀ, S_b = Σ_r c_r c_rᵀ (upper triangle, then mirrored).
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let s = w * delta[i] * delta[j];
        for (let r = 0; r < rows; r++) s += centred[r * d + i] * centred[r * d + j];
        this.m2[i * d + j] += s;
        if (j !== i) this.m2[j * d + i] += s;
      }
    }
    for (let j = 0; j < d; j++) this.mu[j] += (delta[j] * rows) / (n + rows);
    this.n = n + rows;
  }

  mean(): Float64Array {
    return Float64Array.from(this.mu);
  }

  /** Unbiased covariance (needs at least two samples). */
  covariance(): Float64Array {
    if (this.n < 2) throw new Error(`RunningMoments: covariance needs at least 2 samples, have ${this.n}`);
    const out = new Float64Array(this.m2.length);
    for (let i = 0; i < out.length; i++) out[i] = this.m2[i] / (this.n - 1);
    return out;
  }
}
