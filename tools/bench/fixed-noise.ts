/**
 * Inputs for the inference cases: `n` fixed pseudo-random values in
 * [-scale, scale), the same on every run, without a generator package
 * (importing core-layers' Rng into the timed process costs ≈ 34 MiB of RSS).
 */
export function fixedNoise(n: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
    out[i] = scale * (2 * (h - Math.floor(h)) - 1);
  }
  return out;
}
