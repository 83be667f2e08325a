import { matmul, symmetricEigen, trace, transpose } from './linalg';

/** Gaussian statistics of a feature set: mean (d) and covariance (d×d, row-major). */
export interface GaussianStats {
  mu: Float64Array;
  sigma: Float64Array;
  /** Number of feature vectors the statistics came from. */
  count: number;
}

export interface FrechetOptions {
  /**
   * Diagonal offset added to both covariances when either set has no more
   * samples than dimensions (its covariance is then singular). pytorch-fid
   * uses 1e-6 for the same purpose. Default 1e-6.
   */
  eps?: number;
  /** Receives warnings (singular covariance). Default: console.warn. */
  warn?: (message: string) => void;
}

export interface FrechetResult {
  fid: number;
  /** True when the diagonal offset was applied. */
  offsetApplied: boolean;
}

/**
 * Fréchet distance between two Gaussians (SPEC §6):
 *   ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁^½ Σ₂ Σ₁^½)^½.
 *
 * The square root is exact, not an iteration: with Σ₁ = V Λ Vᵀ,
 * Σ₁^½ Σ₂ Σ₁^½ = V (Λ^½ Vᵀ Σ₂ V Λ^½) Vᵀ, so the trace term is the sum of
 * square roots of the eigenvalues of the symmetric PSD matrix
 * B = Λ^½ Vᵀ Σ₂ V Λ^½ (which has the eigenvalues of Σ₁Σ₂). Eigenvalues that
 * rounding pushes below zero are clipped to zero.
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats, options: FrechetOptions = {}): FrechetResult {
  const d = a.mu.length;
  if (b.mu.length !== d) throw new Error(`frechetDistance: feature sizes differ (${d} vs ${b.mu.length})`);
  if (a.sigma.length !== d * d || b.sigma.length !== d * d) throw new Error(`frechetDistance: covariance must be ${d}×${d}`);
  const eps = options.eps ?? 1e-6;
  const warn = options.warn ?? ((m: string) => console.warn(m));

  let s1 = a.sigma;
  let s2 = b.sigma;
  const singular = a.count <= d || b.count <= d;
  if (singular) {
    warn(
      `FID: ${Math.min(a.count, b.count)} feature vectors for ${d} dimensions: the covariance is singular; ` +
        `adding ${eps} to the diagonals (as pytorch-fid does). Use more images for a meaningful FID.`,
    );
    s1 = addDiagonal(s1, d, eps);
    s2 = addDiagonal(s2, d, eps);
  }

  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mu[i] - b.mu[i]) ** 2;

  const { values, vectors } = symmetricEigen(s1, d);
  const rootLambda = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const inner = matmul(matmul(transpose(vectors, d), s2, d), vectors, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inner[i * d + j] *= rootLambda[i] * rootLambda[j];
  const innerEig = symmetricEigen(inner, d).values;
  let traceSqrt = 0;
  for (const l of innerEig) traceSqrt += Math.sqrt(Math.max(l, 0));

  const fid = meanTerm + trace(s1, d) + trace(s2, d) - 2 * traceSqrt;
  return { fid, offsetApplied: singular };
}

function addDiagonal(m: Float64Array, d: number, eps: number): Float64Array {
  const out = Float64Array.from(m);
  for (let i = 0; i < d; i++) out[i * d + i] += eps;
  return out;
}
