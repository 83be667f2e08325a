import { preprocessForInception, ResizeMode } from './preprocess';
import reference from './__fixtures__/preprocess-reference.json';

// Expected values: PyTorch F.interpolate (legacy) and PIL's float bicubic
// (clean), from tools/fixtures/inception_preprocess_reference.py.

function imageOf(c: { width: number; height: number; pixels: number[] | string }) {
  const { width: w, height: h } = c;
  const data = new Uint8Array(w * h * 3);
  if (Array.isArray(c.pixels)) data.set(c.pixels);
  else for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < 3; k++) data[(y * w + x) * 3 + k] = (7 * x + 13 * y + 50 * k + ((x * y) % 17)) % 256;
  return { width: w, height: h, channels: 3, data };
}

describe.each(reference.cases)('preprocessForInception %#', (c) => {
  it.each(['legacy', 'clean'] as ResizeMode[])(`%s: ${c.width}×${c.height} → 299×299 matches the reference resize`, (mode) => {
    const out = preprocessForInception(imageOf(c), mode, 'minusOneOne');
    const expected = mode === 'legacy' ? c.legacy : c.clean;
    c.picks.forEach(([ch, y, x]: number[], i: number) => {
      // minusOneOne: 2v − 1, so compare (out + 1) / 2 with the [0, 1] reference.
      // PyTorch interpolates in float32 (source index and weights): ~1e-5 of rounding.
      expect(Math.abs((out[ch * 299 * 299 + y * 299 + x] + 1) / 2 - expected[i])).toBeLessThan(mode === 'legacy' ? 3e-5 : 1e-5);
    });
  });
});

describe('imagenet normalization', () => {
  it('maps a uniform grey 0.5 image to (0.5 − mean) / std per channel', () => {
    const img = { width: 4, height: 4, channels: 3, data: new Float32Array(48).fill(127.5) };
    const out = preprocessForInception(img, 'legacy', 'imagenet');
    [0.485, 0.456, 0.406].forEach((m, ch) => expect(out[ch * 299 * 299 + 1234]).toBeCloseTo((0.5 - m) / [0.229, 0.224, 0.225][ch], 5));
  });
});
