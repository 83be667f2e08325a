import { RunningMoments } from '../stats/running-moments';
import { frechetDistance, GaussianStats } from './frechet-distance';
import { inceptionScore } from './inception-score';
import reference from './__fixtures__/fid-is-reference.json';

// Expected values come from numpy/scipy (scipy.linalg.sqrtm, scipy.stats.entropy):
// tools/fixtures/fid_is_reference.py generated the fixture.

function statsOf(rows: number[][], batch = 7): GaussianStats {
  const m = new RunningMoments(rows[0].length);
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    m.addBatch(part.flat(), part.length);
  }
  return { mu: m.mean(), sigma: m.covariance(), count: m.count };
}

function expectRelClose(actual: number, expected: number, rtol: number): void {
  const rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  if (rel > rtol) throw new Error(`relative error ${rel.toExponential(2)} > ${rtol}: got ${actual}, expected ${expected}`);
}

describe('RunningMoments (streaming float64, batches of 7)', () => {
  it('matches np.mean / np.cov of a 64×8 set', () => {
    const s = statsOf(reference.a);
    reference.mu_a.forEach((v: number, i: number) => expectRelClose(s.mu[i], v, 1e-12));
    reference.sigma_a.forEach((v: number, i: number) => expect(Math.abs(s.sigma[i] - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v))));
  });

  it('is exact under a large common offset (no cancellation)', () => {
    const rows = [[1e8 + 1], [1e8 + 2], [1e8 + 4]];
    const s = statsOf(rows, 2);
    // By hand: values 1, 2, 4 → mean 7/3, unbiased variance 7/3.
    expectRelClose(s.sigma[0], 7 / 3, 1e-9);
  });

  it('rejects non-finite features', () => {
    expect(() => new RunningMoments(2).addBatch([1, NaN], 1)).toThrow(/non-finite/);
  });
});

describe('frechetDistance d=8', () => {
  it('matches scipy sqrtm for two 8-d sets to 1e-6 relative', () => {
    expectRelClose(frechetDistance(statsOf(reference.a), statsOf(reference.b)).fid, reference.fid_ab, 1e-6);
  });

  it('is symmetric', () => {
    const ab = frechetDistance(statsOf(reference.a), statsOf(reference.b)).fid;
    const ba = frechetDistance(statsOf(reference.b), statsOf(reference.a)).fid;
    expectRelClose(ba, ab, 1e-9);
    expectRelClose(ba, reference.fid_ba, 1e-6);
  });

  it('of a set with itself is ~0', () => {
    const s = statsOf(reference.a);
    expect(Math.abs(frechetDistance(s, s).fid)).toBeLessThan(1e-8);
  });

  it('singular covariance (6 samples, 8 dims) warns, offsets the diagonal and matches scipy', () => {
    const warnings: string[] = [];
    const r = frechetDistance(statsOf(reference.a), statsOf(reference.few), { warn: (m) => warnings.push(m) });
    expect(r.offsetApplied).toBe(true);
    expect(warnings.join()).toMatch(/singular/);
    expectRelClose(r.fid, reference.fid_a_few, 1e-6);
  });

  it('equals the closed form for diagonal covariances', () => {
    // Diagonal Σ: Tr(Σ₁+Σ₂−2(Σ₁Σ₂)^½) = Σ_i (√a_i − √b_i)².
    const a: GaussianStats = { mu: Float64Array.from([0, 1]), sigma: Float64Array.from([4, 0, 0, 9]), count: 100 };
    const b: GaussianStats = { mu: Float64Array.from([1, 1]), sigma: Float64Array.from([1, 0, 0, 16]), count: 100 };
    expectRelClose(frechetDistance(a, b).fid, 1 + (2 - 1) ** 2 + (3 - 4) ** 2, 1e-12);
  });
});

describe('inceptionScore 10 splits', () => {
  it('matches scipy.stats.entropy over consecutive splits (53 rows, remainder dropped)', () => {
    const probs = (reference.probs as number[][]).flat();
    const r = inceptionScore(probs, 53, 12, 10);
    expectRelClose(r.mean, reference.is_mean, 1e-6);
    expectRelClose(r.std, reference.is_std, 1e-6);
  });

  it('is 1 for identical predictions and K for confident uniform-over-classes predictions', () => {
    const same = new Array(20).fill([0.2, 0.3, 0.5]).flat();
    expectRelClose(inceptionScore(same, 20, 3, 2).mean, 1, 1e-12);
    // One-hot over 4 classes, each class equally often within a split: IS = 4.
    const oneHot = Array.from({ length: 8 }, (_, i) => [0, 1, 2, 3].map((c) => (c === i % 4 ? 1 : 0))).flat();
    expectRelClose(inceptionScore(oneHot, 8, 4, 2).mean, 4, 1e-12);
  });
});
