/**
 * Synthetic street frames: a seeded RGB image and its matching Cityscapes
 * labelId map, any size. The loader-throughput set of `tools/bench` and the
 * pipeline's smoke-test trees are made of them.
 */
import { mulberry32 } from '../random/rng';

/**
 * A street-like RGB image: vertical gradient sky, textured facades, a road,
 * plus per-pixel noise, so it compresses like a rendered frame (≈ 2–3 bytes
 * per pixel as PNG, GTA5's frames are ≈ 1.5–2) rather than a flat test card.
 */
export function syntheticStreetRgb(width: number, height: number, seed: number): Uint8Array {
  const rng = mulberry32(seed);
  const data = new Uint8Array(width * height * 3);
  const horizon = Math.floor(height * 0.45);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const n = Math.floor(rng() * 12);
      let r: number;
      let g: number;
      let b: number;
      if (y < horizon * 0.6) {
        r = 110 + (y * 60) / horizon;
        g = 150 + (y * 50) / horizon;
        b = 210;
      } else if (y < horizon) {
        const block = Math.floor(x / 97) % 5;
        const win = (x % 23 < 12 && y % 19 < 10 ? 30 : 0) - block * 9;
        r = 120 + win;
        g = 110 + win;
        b = 100 + win;
      } else {
        const t = (y - horizon) / (height - horizon);
        r = 70 + 40 * t + (Math.abs(x - width / 2) < 6 ? 120 : 0);
        g = 70 + 40 * t + (Math.abs(x - width / 2) < 6 ? 120 : 0);
        b = 75 + 40 * t;
      }
      data[i] = Math.min(255, r + n);
      data[i + 1] = Math.min(255, g + n);
      data[i + 2] = Math.min(255, b + n);
    }
  }
  return data;
}

/** Labels matching {@link syntheticStreetRgb}: sky 23, building 11, road 7, a few cars 26 (labelIds). */
export function syntheticStreetLabel(width: number, height: number, seed: number): Uint8Array {
  const rng = mulberry32(seed + 1);
  const data = new Uint8Array(width * height);
  const horizon = Math.floor(height * 0.45);
  const cars = Array.from({ length: 4 }, () => ({ x: Math.floor(rng() * (width - 200)), w: 120 + Math.floor(rng() * 80) }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let id = y < horizon * 0.6 ? 23 : y < horizon ? 11 : 7;
      if (y > horizon && y < horizon + 90 && cars.some((c) => x >= c.x && x < c.x + c.w)) id = 26;
      data[y * width + x] = id;
    }
  }
  return data;
}
