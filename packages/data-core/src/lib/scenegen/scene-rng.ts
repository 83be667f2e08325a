/**
 * Seeded randomness for the procedural demo benchmark. Everything the scene
 * generator draws comes from here, so one seed gives byte-identical files on
 * every run. Kept local because data-core depends on nothing of ours (the
 * core-layers RNG is out of reach by the boundary rules).
 */

/** Bound once: inside Jest's vm sandbox every global lookup (`Math.floor` in a hot loop) costs ~1 µs, 40× the work. */
const M = Math;

/** FNV-1a over the string forms of `parts`: a stable 32-bit seed for (seed, domain, index). */
export function sceneSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = M.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for scene sampling; state is one uint32. */
export class SceneRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = M.imul(t ^ (t >>> 15), t | 1);
    t ^= t + M.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Integer uniform in [a, b] (inclusive). */
  int(a: number, b: number): number {
    return a + M.floor(this.next() * (b - a + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[M.floor(this.next() * items.length)];
  }

  /** Standard normal (Box–Muller, one value per call for simplicity). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return M.sqrt(-2 * M.log(u)) * M.cos(2 * M.PI * v);
  }
}

/** Hash of an integer lattice point to [0, 1): the basis of the value noise below. */
function latticeHash(ix: number, iy: number, seed: number): number {
  let h = M.imul(ix, 0x27d4eb2d) ^ M.imul(iy, 0x165667b1) ^ seed;
  h = M.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = M.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1) at (x, y): bilinear over a hashed lattice with smoothstep weights. */
export function valueNoise(x: number, y: number, seed: number): number {
  const ix = M.floor(x);
  const iy = M.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = latticeHash(ix, iy, seed);
  const b = latticeHash(ix + 1, iy, seed);
  const c = latticeHash(ix, iy + 1, seed);
  const d = latticeHash(ix + 1, iy + 1, seed);
  const top = a + (b - a) * sx;
  const bottom = c + (d - c) * sx;
  return top + (bottom - top) * sy;
}
