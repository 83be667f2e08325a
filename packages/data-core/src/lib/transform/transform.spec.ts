import { makeImage } from '../image/image';
import { mulberry32 } from '../random/rng';
import { crop, flipHorizontal, randomCropFlipPair } from './geometry';
import { buildLut, remapLabel } from './remap';
import { resize } from './resize';

const f32 = (v: number[]): Float32Array => Float32Array.from(v);

describe('resize (PIL-style separable convolution over pixel centres)', () => {
  it('nearest 4×1 → 2×1 picks source x = floor((x+0.5)·2) = 1, 3; 2×1 → 4×1 repeats', () => {
    const img = makeImage(4, 1, 1, Uint8Array.from([10, 20, 30, 40]));
    expect(Array.from(resize(img, { kind: 'size', width: 2, height: 1 }, 'nearest').data)).toEqual([20, 40]);
    const two = makeImage(2, 1, 1, Uint8Array.from([7, 9]));
    expect(Array.from(resize(two, { kind: 'size', width: 4, height: 1 }, 'nearest').data)).toEqual([7, 7, 9, 9]);
  });

  it('bilinear upscale [0, 100] 2×1 → 4×1 = [0, 25, 75, 100] (centres 0.25, 0.75, 1.25, 1.75; border taps renormalized)', () => {
    const out = resize(makeImage(2, 1, 1, f32([0, 100])), { kind: 'size', width: 4, height: 1 }, 'bilinear');
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo([0, 25, 75, 100][i], 4));
  });

  it('bilinear downscale [0, 40, 80, 120] 4×1 → 2×1 is antialiased: triangle of half-width 2', () => {
    // out0: centre 1.0, taps x=0,1,2 with weights 0.75, 0.75, 0.25 → (0·0.75 + 40·0.75 + 80·0.25)/1.75 = 28.5714
    // out1: centre 3.0, taps x=1,2,3 with weights 0.25, 0.75, 0.75 → (10 + 60 + 90)/1.75 = 91.4286
    const out = resize(makeImage(4, 1, 1, f32([0, 40, 80, 120])), { kind: 'size', width: 2, height: 1 }, 'bilinear');
    expect(out.data[0]).toBeCloseTo(50 / 1.75, 4);
    expect(out.data[1]).toBeCloseTo(160 / 1.75, 4);
    const u8 = resize(makeImage(4, 1, 1, Uint8Array.from([0, 40, 80, 120])), { kind: 'size', width: 2, height: 1 }, 'bilinear');
    expect(Array.from(u8.data)).toEqual([29, 91]);
  });

  it('bicubic (Keys a=−0.5) upscale [0, 100] 2×1 → 4×1, first two outputs by hand', () => {
    // out0 centre 0.25: k(0.25) = 0.8671875, k(1.25) = −0.0703125 → 100·(−0.0703125)/0.796875 = −8.8235
    // out1 centre 0.75: k(0.25) = 0.8671875, k(0.75) = 0.2265625 → 100·0.2265625/1.09375 = 20.7143
    const out = resize(makeImage(2, 1, 1, f32([0, 100])), { kind: 'size', width: 4, height: 1 }, 'bicubic');
    expect(out.data[0]).toBeCloseTo((100 * -0.0703125) / 0.796875, 4);
    expect(out.data[1]).toBeCloseTo((100 * 0.2265625) / 1.09375, 4);
    // Symmetric: out3 = 100 − out0, out2 = 100 − out1.
    expect(out.data[3]).toBeCloseTo(100 + (100 * 0.0703125) / 0.796875, 4);
    const u8 = resize(makeImage(2, 1, 1, Uint8Array.from([0, 100])), { kind: 'size', width: 4, height: 1 }, 'bicubic');
    expect(u8.data[0]).toBe(0); // −8.8 clamped
  });

  it('2×2 → 1×1 bilinear averages the four pixels per channel (2 channels)', () => {
    const img = makeImage(2, 2, 2, f32([0, 1, 10, 2, 20, 3, 30, 4]));
    const out = resize(img, { kind: 'size', width: 1, height: 1 }, 'bilinear');
    expect(out.data[0]).toBeCloseTo(15, 5);
    expect(out.data[1]).toBeCloseTo(2.5, 5);
  });

  it('scale target rounds the size: 6×4 at 0.5 → 3×2; a constant image stays constant', () => {
    const img = makeImage(6, 4, 3, new Uint8Array(72).fill(77));
    const out = resize(img, { kind: 'scale', factor: 0.5 }, 'bicubic');
    expect([out.width, out.height, out.channels]).toEqual([3, 2, 3]);
    expect(Array.from(out.data)).toEqual(new Array(18).fill(77));
    expect(() => resize(img, { kind: 'scale', factor: 0 }, 'bilinear')).toThrow(/scale factor must be > 0, got 0/);
  });
});

describe('resize with an output region = resize then crop', () => {
  it.each(['bicubic', 'bilinear', 'nearest'] as const)('%s 37×23 → 20×12, several windows, u8 and f32', (filter) => {
    const rng = mulberry32(11);
    const u8 = makeImage(37, 23, 3, Uint8Array.from({ length: 37 * 23 * 3 }, () => Math.floor(rng() * 256)));
    const f = makeImage(37, 23, 1, Float32Array.from({ length: 37 * 23 }, () => rng()));
    const target = { kind: 'size', width: 20, height: 12 } as const;
    for (const box of [
      { x: 0, y: 0, width: 20, height: 12 },
      { x: 3, y: 5, width: 9, height: 7 },
      { x: 19, y: 11, width: 1, height: 1 },
    ]) {
      expect(Array.from(resize(u8, target, filter, box).data)).toEqual(Array.from(crop(resize(u8, target, filter), box).data));
      expect(Array.from(resize(f, target, filter, box).data)).toEqual(Array.from(crop(resize(f, target, filter), box).data));
    }
    expect(() => resize(u8, target, filter, { x: 15, y: 0, width: 6, height: 1 })).toThrow(/does not fit in the 20×12 output/);
  });
});

describe('crop and flip', () => {
  const img = makeImage(3, 2, 1, Uint8Array.from([1, 2, 3, 4, 5, 6]));
  it('crop box x=1 y=0 2×2 of [[1,2,3],[4,5,6]] = [[2,3],[5,6]]', () => {
    expect(Array.from(crop(img, { x: 1, y: 0, width: 2, height: 2 }).data)).toEqual([2, 3, 5, 6]);
    expect(() => crop(img, { x: 2, y: 0, width: 2, height: 2 })).toThrow(/does not fit in a 3×2 image/);
  });
  it('horizontal flip of [[1,2,3],[4,5,6]] = [[3,2,1],[6,5,4]]', () => {
    expect(Array.from(flipHorizontal(img).data)).toEqual([3, 2, 1, 6, 5, 4]);
  });
  it('random crop+flip moves image and label together: every pixel keeps its id (image R = label)', () => {
    // Image R channel = label id = 10·y + x, so alignment is checkable after any crop/flip.
    const w = 9;
    const h = 7;
    const rgb = new Uint8Array(w * h * 3);
    const lab = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const v = 10 * Math.floor(i / w) + (i % w);
      rgb[3 * i] = v;
      lab[i] = v;
    }
    const rng = mulberry32(3);
    const seen = new Set<string>();
    let flips = 0;
    for (let t = 0; t < 200; t++) {
      const out = randomCropFlipPair(makeImage(w, h, 3, rgb), makeImage(w, h, 1, lab), { width: 4, height: 3 }, 0.5, rng);
      expect([out.image.width, out.image.height, out.label?.width, out.label?.height]).toEqual([4, 3, 4, 3]);
      for (let i = 0; i < 12; i++) expect(out.image.data[3 * i]).toBe(out.label?.data[i]);
      const x0 = out.label?.data[0] ?? 0;
      const x1 = out.label?.data[1] ?? 0;
      if (x1 < x0) flips++;
      const firstRow = Array.from(out.label?.data.subarray(0, 4) ?? []);
      seen.add(`${Math.floor(x0 / 10)},${Math.min(...firstRow.map((v) => v % 10))}`);
    }
    // 6 × 5 possible windows, all reached; about half flipped.
    expect(seen.size).toBe(30);
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
    expect(() => randomCropFlipPair(makeImage(w, h, 1, lab), undefined, { width: 10, height: 3 }, 0, rng)).toThrow(/10×3 is larger than the 9×7 image/);
  });
});

describe('label remapping by lookup table', () => {
  it('256-entry table: mapped ids, everything else 255', () => {
    const lut = buildLut({ 7: 0, 26: 13 }, 256);
    const out = remapLabel(makeImage(4, 1, 1, Uint8Array.from([7, 26, 0, 255])), lut);
    expect(Array.from(out.data)).toEqual([0, 13, 255, 255]);
  });
  it('65536-entry table for 16-bit ids: 3 → 0, 259 (= 3 + 256) → 255, 65535 → 255', () => {
    const lut = buildLut({ 3: 0 }, 65536);
    const out = remapLabel(makeImage(3, 1, 1, Uint16Array.from([3, 259, 65535])), lut);
    expect(Array.from(out.data)).toEqual([0, 255, 255]);
  });
  it('16-bit ids through a 256-entry table are refused, naming the id', () => {
    expect(() => remapLabel(makeImage(1, 1, 1, Uint16Array.from([300])), buildLut({}, 256))).toThrow(/id 300 at pixel 0 is outside the 256-entry table/);
  });
});
