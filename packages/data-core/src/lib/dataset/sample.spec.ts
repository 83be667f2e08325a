import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePngAtomic } from '../codec/png';
import { makeImage } from '../image/image';
import { crop, flipHorizontal, randomCropBox } from '../transform/geometry';
import { buildLut } from '../transform/remap';
import { resize } from '../transform/resize';
import { mulberry32 } from '../random/rng';
import { loadSample } from './sample';

describe('loadSample', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-sample-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const w = 30;
  const h = 18;
  const rng = mulberry32(2);
  const rgb = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rng() * 256));
  const ids = Uint8Array.from({ length: w * h }, (_, i) => [7, 26, 23, 0][(i + Math.floor(i / w)) % 4]);
  const image = path.join(dir, 'i.png');
  const label = path.join(dir, 'l.png');
  writePngAtomic(image, { width: w, height: h, channels: 3, data: rgb });
  writePngAtomic(label, { width: w, height: h, channels: 1, data: ids });
  const lut = buildLut({ 7: 0, 26: 13, 23: 10 }, 256);

  it('fused resize+crop+flip equals the steps done one by one with the same seed (8-bit RGB out)', () => {
    const pipeline = { resize: { kind: 'size', width: 20, height: 12 }, crop: { width: 8, height: 6 }, flipProbability: 0.5, labelLut: lut } as const;
    let flips = 0;
    for (let seed = 0; seed < 12; seed++) {
      const s = loadSample({ name: 'x', image, label }, 0, pipeline, seed);
      // Reference: full resize, crop box and flip drawn from the same generator in the same order.
      const r = mulberry32(seed);
      const box = randomCropBox(20, 12, 8, 6, r);
      let img = crop(resize(makeImage(w, h, 3, rgb), pipeline.resize, 'bicubic'), box);
      let lab = crop(resize(makeImage(w, h, 1, Uint8Array.from(ids, (v) => lut[v])), pipeline.resize, 'nearest'), box);
      if (r() < 0.5) {
        img = flipHorizontal(img);
        lab = flipHorizontal(lab);
        flips++;
      }
      expect(s.image.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(s.image.data)).toEqual(Array.from(img.data));
      expect(Array.from(s.label?.data ?? [])).toEqual(Array.from(lab.data));
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(12);
  });

  it('mismatched image/label sizes without a resize fail naming both files', () => {
    const small = path.join(dir, 'small.png');
    writePngAtomic(small, { width: 5, height: 5, channels: 1, data: new Uint8Array(25) });
    expect(() => loadSample({ name: 'x', image, label: small }, 0, {}, 0)).toThrow(`${small}: label is 5×5 but image ${image} is 30×18`);
  });
});
