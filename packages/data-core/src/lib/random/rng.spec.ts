import { hashSeed, mulberry32, permutation } from './rng';

describe('seeded randomness', () => {
  it('permutation(n, seed, epoch) is a permutation, reproducible, and differs by epoch and seed', () => {
    const a = permutation(50, 7, 0);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(permutation(50, 7, 0))).toEqual(Array.from(a));
    expect(Array.from(permutation(50, 7, 1))).not.toEqual(Array.from(a));
    expect(Array.from(permutation(50, 8, 0))).not.toEqual(Array.from(a));
  });

  it('permutation positions are roughly uniform: item 0 lands in each of 5 buckets ≈ 1/5 of 2000 epochs', () => {
    const buckets = new Array(5).fill(0);
    for (let e = 0; e < 2000; e++) buckets[Math.floor(Array.from(permutation(10, 1, e)).indexOf(0) / 2)]++;
    for (const b of buckets) expect(Math.abs(b - 400)).toBeLessThan(80); // ±4σ for Binomial(2000, 0.2)
  });

  it('mulberry32 is in [0,1) with mean ≈ 0.5; hashSeed separates (1,2) from (2,1) and 2^32+1 from 1', () => {
    const r = mulberry32(123);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.012); // 4σ of the mean of U(0,1)
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    expect(hashSeed(2 ** 32 + 1)).not.toBe(hashSeed(1));
  });
});
