/**
 * Appendix C: the other-guided translation is the translator fed S(x_j) for
 * x_i — checked against the translator and segmenter called directly (tfjs,
 * without the pipeline's helpers) — the own-guided one uses S(x_i), the two
 * differ, and the Figure 5 grid lands in the run's samples and the report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { decodePng, ImageU8 } from '@semadapt/data-core';
import { FCN8s } from '@semadapt/segmenter';
import { Translator } from '@semadapt/translator';
import { writeReport } from '../report/build-report';
import { RunDir } from '@semadapt/runner';
import { fakeGuidanceGrid } from './fake-guidance';

function image(seed: number): ImageU8 {
  const rng = new Rng(seed);
  const data = new Uint8Array(32 * 24 * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.uniform() * 256);
  return { width: 32, height: 24, channels: 3, data };
}

/** x_i translated with S(x_j), computed with the packages' own calls. */
function direct(translator: Translator, seg: FCN8s, own: ImageU8, other: ImageU8): Uint8Array {
  const sym = (img: ImageU8) => tf.tensor4d(Float32Array.from(img.data, (v) => v / 127.5 - 1), [1, img.height, img.width, 3]);
  return tf.tidy(() => {
    // The segmenter takes the RGB pixels (it normalises them itself).
    const g = seg.forward(tf.tensor4d(Float32Array.from(other.data), [1, other.height, other.width, 3]));
    const y = translator.translate(sym(own), g, 's2t');
    return Uint8Array.from(y.dataSync(), (v) => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5))));
  });
}

describe('fake-guidance (Appendix C)', () => {
  beforeAll(async () => {
    await setTestBackend('wasm');
  });

  it('own vs other image guidance: the grid, the translations and their difference', async () => {
    const run = new RunDir(fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-fake-')));
    const seg = new FCN8s({ width: 0.0625, numClasses: 5, rng: new Rng(4) }).eval();
    for (const layer of [seg.score_fr, seg.score_pool4, seg.score_pool3]) {
      const w = tf.randomNormal(layer.weight.shape, 0, 1, 'float32', 5);
      layer.weight.assign(w);
      w.dispose();
    }
    const translator = new Translator({ widthMultiplier: 1 / 16, guidanceClasses: 5, seed: 6 });
    const images = [0, 1, 2].map((i) => ({ name: `images/${i}.png`, image: image(10 + i) }));
    const before = tf.memory().numTensors;
    const pairs = await fakeGuidanceGrid(run, 'round1__fake-guidance', translator, seg, images);
    expect(tf.memory().numTensors).toBe(before);
    expect(pairs.map((p) => [p.source, p.guidanceFrom])).toEqual([['images/0.png', 'images/1.png'], ['images/1.png', 'images/2.png'], ['images/2.png', 'images/0.png']]);
    const dir = run.path('samples', 'round1__fake-guidance');
    const read = (f: string) => decodePng(fs.readFileSync(path.join(dir, f))).data;
    for (let i = 0; i < 3; i++) {
      const j = (i + 1) % 3;
      const other = read(`images_${i}__other-guided-translation.png`);
      const own = read(`images_${i}__own-guided-translation.png`);
      // PNG bytes: rounding can flip a value by 1 between two float paths.
      const expectOther = direct(translator, seg, images[i].image, images[j].image);
      const expectOwn = direct(translator, seg, images[i].image, images[i].image);
      expect(Math.max(...Array.from(other, (v, k) => Math.abs(v - expectOther[k])))).toBeLessThanOrEqual(1);
      expect(Math.max(...Array.from(own, (v, k) => Math.abs(v - expectOwn[k])))).toBeLessThanOrEqual(1);
      expect(pairs[i].meanAbsDifference).toBeGreaterThan(0.5);
      expect(fs.existsSync(path.join(dir, `images_${i}__source.png`))).toBe(true);
      expect(fs.existsSync(path.join(dir, `images_${i}__other-image-guidance.png`))).toBe(true);
    }
    const html = fs.readFileSync(writeReport(run), 'utf8');
    for (const title of ['round1/fake-guidance', 'other image guidance', 'own-guided translation', 'other-guided translation']) expect(html).toContain(title);
    await expect(fakeGuidanceGrid(run, 'x', translator, seg, images.slice(0, 1))).rejects.toThrow(/at least 2 source images/);
    translator.dispose();
    seg.dispose();
    fs.rmSync(run.root, { recursive: true, force: true });
  });
});
