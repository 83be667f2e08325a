/**
 * A small seeded generator (xoshiro128**) whose whole state is four 32-bit
 * words, so checkpoints can store it and a resumed run draws the same numbers
 * as an uninterrupted one. Used for initializers, dropout masks, crops and
 * shuffles wherever reproducibility matters.
 */
// Module-level aliases: under jest's vm sandbox every `Math.x` is a slow global
// lookup (~100× a local), which made initializing a full-width network take minutes.
const { imul, sqrt, log, cos, floor, PI } = Math;

export type RngState = [number, number, number, number];

export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    // splitmix32 expands the seed into a non-zero state.
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.s = Uint32Array.from(state);
    return r;
  }

  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Continues from a saved `state()` (a layer's stream restored from a checkpoint). */
  setState(state: RngState): void {
    const s = Uint32Array.from(state);
    if (s.length !== 4 || s.every((w) => w === 0)) throw new Error(`Rng.setState: expected four 32-bit words, not all zero; received ${JSON.stringify(state)}`);
    this.s = s;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = imul(rotl(imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return sqrt(-2 * log(u)) * cos(2 * PI * this.uniform());
  }

  /** Fill an array with N(mean, std²) samples. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fill an array with U(lo, hi) samples. */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
