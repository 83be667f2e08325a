import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Dense row-major float64 square matrix helpers for FID (n up to 2048). */

/** C = A·B for n×n row-major matrices (i-k-j order: streams rows of B). */
export function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
  return c;
}

export function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

export function trace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

/**
 * Eigen-decomposition of a symmetric matrix (Householder tridiagonalisation
 * and implicit QL, through ml-matrix's JAMA port). Returns eigenvalues and
 * the eigenvectors as the columns of a row-major matrix.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Matrix.from1DArray(n, n, symmetrize(a, n));
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const vectors = new Float64Array(n * n);
  const v = eig.eigenvectorMatrix;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[i * n + j] = v.get(i, j);
  return { values: Float64Array.from(eig.realEigenvalues), vectors };
}

/** (A + Aᵀ)/2: removes rounding asymmetry before a symmetric solver. */
function symmetrize(a: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  return s;
}
