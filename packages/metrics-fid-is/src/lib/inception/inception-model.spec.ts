import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTinyInception, TINY_HIDDEN, TinyInception } from '../../testing/tiny-inception';
import { InceptionModel } from './inception-model';
import { preprocessForInception, RgbImageLike } from './preprocess';
import { computeFid, computeInceptionScore, saveReferenceStatistics } from '../api/metrics';
import { loadStats } from '../stats/stats-file';
import { computeStatistics } from '../extract/extract-features';
import { writePngAtomic } from '@semadapt/data-core';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-metrics-'));
let tiny: TinyInception;
let modelFile: string;
// The same network with 16-d features, named explicitly: FID arithmetic at
// d = 2048 means two 2048² eigensolves (a minute in JS), too slow for a unit test.
let smallFile: string;
const small = { featuresOutput: 'pool3' };

beforeAll(() => {
  tiny = buildTinyInception(7);
  modelFile = path.join(dir, 'tiny-inception.onnx');
  fs.writeFileSync(modelFile, tiny.bytes);
  smallFile = path.join(dir, 'tiny-inception-16.onnx');
  fs.writeFileSync(smallFile, buildTinyInception(7, 1008, 16).bytes);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function image(w: number, h: number, seed: number, tint = 0): RgbImageLike {
  const data = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = Math.min(255, ((s >>> 16) % 200) + (i % 3 === 0 ? tint : 0));
  }
  return { width: w, height: h, channels: 3, data };
}

/** The tiny network evaluated in plain JS (independent of onnxruntime) on a preprocessed CHW input. */
function referencePool3(chw: Float32Array): Float64Array {
  const k = tiny.conv1.kernel;
  const cells = Math.floor(299 / k);
  const hidden = new Float64Array(TINY_HIDDEN * cells * cells);
  for (let o = 0; o < TINY_HIDDEN; o++)
    for (let gy = 0; gy < cells; gy++)
      for (let gx = 0; gx < cells; gx++) {
        let v = tiny.conv1.bias[o];
        for (let c = 0; c < 3; c++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++)
              v += tiny.conv1.weight[((o * 3 + c) * k + ky) * k + kx] * chw[c * 299 * 299 + (gy * k + ky) * 299 + gx * k + kx];
        hidden[(o * cells + gy) * cells + gx] = Math.max(v, 0);
      }
  const pool = new Float64Array(2048);
  for (let f = 0; f < 2048; f++) {
    let sum = 0;
    for (let p = 0; p < cells * cells; p++) {
      let v = tiny.conv2.bias[f];
      for (let o = 0; o < TINY_HIDDEN; o++) v += tiny.conv2.weight[f * TINY_HIDDEN + o] * hidden[o * cells * cells + p];
      sum += v;
    }
    pool[f] = sum / (cells * cells);
  }
  return pool;
}

describe('InceptionModel on a tiny network with the InceptionV3 contract', () => {
  it('finds pool3 [N,2048] and logits [N,1008] by shape', async () => {
    const m = await InceptionModel.load(modelFile);
    expect([m.featuresOutput, m.featureDim, m.logitsOutput, m.classes]).toEqual(['pool3', 2048, 'logits', 1008]);
    await m.release();
  });

  it('pool3 features of a 64×40 image match a plain-JS evaluation of the same network (legacy mode)', async () => {
    const m = await InceptionModel.load(modelFile);
    const img = image(64, 40, 3);
    const out = await m.run([img]);
    const expected = referencePool3(preprocessForInception(img, 'legacy', 'minusOneOne'));
    let maxDiff = 0;
    for (let i = 0; i < 2048; i++) maxDiff = Math.max(maxDiff, Math.abs((out.features as Float32Array)[i] - expected[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    await m.release();
  });

  it('a model without the contract gets an error listing its inputs and outputs', async () => {
    const bad = path.join(dir, 'bad.onnx');
    fs.writeFileSync(bad, buildTinyInception(1, 10).bytes); // logits of 10 classes: no 1000/1008 output
    const m = await InceptionModel.load(bad); // pool3 alone is still usable for FID
    expect(m.logitsOutput).toBeUndefined();
    await expect(computeInceptionScore(m, [image(8, 8, 1)])).rejects.toThrow(/no class output/);
    await m.release();
    await expect(InceptionModel.load(bad, { featuresOutput: 'features' })).rejects.toThrow(/no output named 'features'.*Found inputs: images float32 \[N, 3, 299, 299\]; outputs: pool3/);
    await expect(InceptionModel.load(path.join(dir, 'missing.onnx'))).rejects.toThrow(/not found: .*missing\.onnx/);
  });
});

describe('FID and IS end to end (tiny network, in-memory images)', () => {
  const setA = Array.from({ length: 6 }, (_, i) => image(40, 30, 100 + i));
  const setB = Array.from({ length: 6 }, (_, i) => image(40, 30, 200 + i, 55));

  it('FID of a set with itself is ~0, and a tinted set is farther than a fresh sample of the same distribution', async () => {
    const m = await InceptionModel.load(smallFile, small);
    const warn = () => undefined; // 6 images for 2048 dims: singular, warned about by design
    const self = await computeFid(m, setA, setA, { warn });
    const same = await computeFid(m, setA, Array.from({ length: 6 }, (_, i) => image(40, 30, 300 + i)), { warn });
    const tinted = await computeFid(m, setA, setB, { warn });
    expect(Math.abs(self.fid)).toBeLessThan(1e-3);
    expect(tinted.fid).toBeGreaterThan(same.fid);
    expect(self.singularCovariance).toBe(true);
    expect(self.mode).toBe('legacy');
    await m.release();
  });

  it('saved reference statistics give the same FID as the images they came from', async () => {
    const statsFile = path.join(dir, 'ref.safetensors');
    await saveReferenceStatistics(smallFile, setB, statsFile, 'test/setB', { ...small, batchSize: 4 });
    const { metadata } = loadStats(statsFile);
    expect(metadata).toMatchObject({ mode: 'legacy', reference: 'test/setB', count: '6' });
    const warn = () => undefined;
    const direct = await computeFid(smallFile, setA, setB, { ...small, warn, batchSize: 5 });
    const viaFile = await computeFid(smallFile, setA, statsFile, { ...small, warn });
    expect(Math.abs(viaFile.fid - direct.fid)).toBeLessThan(1e-9 * Math.max(1, direct.fid));
    await expect(computeFid(smallFile, setA, statsFile, { ...small, mode: 'clean', warn })).rejects.toThrow(/ref\.safetensors were not made by this Inception model.*mode: file 'legacy', this run 'clean'/);
  });

  it('IS lies in [1, classes] and reports 10 splits', async () => {
    const imgs = Array.from({ length: 20 }, (_, i) => image(20, 20, i, (i % 4) * 40));
    const r = await computeInceptionScore(modelFile, imgs, { batchSize: 8 });
    expect(r.splits).toBe(10);
    expect(r.count).toBe(20);
    expect(r.mean).toBeGreaterThanOrEqual(1);
    expect(r.mean).toBeLessThanOrEqual(1008);
  });

  it('streams 2048-d pool3 statistics of the full contract model (mean = average of per-image features)', async () => {
    const m = await InceptionModel.load(modelFile);
    const imgs = Array.from({ length: 3 }, (_, i) => image(30, 20, 50 + i));
    const stats = await computeStatistics(m, imgs, { batchSize: 2 });
    const per = imgs.map((img) => referencePool3(preprocessForInception(img, 'legacy', 'minusOneOne')));
    for (const f of [0, 1, 777, 2047]) expect(Math.abs(stats.mu[f] - (per[0][f] + per[1][f] + per[2][f]) / 3)).toBeLessThan(1e-3);
    expect(stats.count).toBe(3);
    await m.release();
  });

  it('reads a folder of PNGs (recursively, sorted) the same as the decoded images in memory', async () => {
    const folder = path.join(dir, 'pngs');
    const imgs = Array.from({ length: 3 }, (_, i) => image(24, 16, 900 + i));
    imgs.forEach((img, i) => writePngAtomic(path.join(folder, i === 2 ? 'sub' : '', `img${i}.png`), { ...img, data: img.data as Uint8Array }));
    const m = await InceptionModel.load(smallFile, small);
    const fromFolder = await computeStatistics(m, folder);
    const fromMemory = await computeStatistics(m, imgs);
    expect(fromFolder.count).toBe(3);
    fromMemory.mu.forEach((v, i) => expect(fromFolder.mu[i]).toBeCloseTo(v, 9));
    await m.release();
    await expect(computeStatistics(m, path.join(dir, 'nope'))).rejects.toThrow(/Image folder not found: .*nope/);
  });
});
