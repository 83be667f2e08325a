/**
 * `adapt`'s translation quality: FID of a translated folder against target
 * train statistics (computed once, then read back) and IS of the folder,
 * through the user's Inception ONNX — here the tiny network with the
 * InceptionV3 contract — agreeing with the metrics package called directly
 * on the same images; and the `is` command's --normalization.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodePng, ImageU8 } from '@semadapt/data-core';
import { validateRunConfig } from '../config/run-config';
import { inceptionScore } from '../commands/fid-is';
import { measureTranslation } from './translation-quality';

function image(seed: number, w = 40, h = 24): ImageU8 {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * seed) % 13) * 17) % 256;
  return { width: w, height: h, channels: 3, data };
}

describe('translation quality (FID/IS) in adapt', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-fidis-'));
  const model = path.join(dir, 'tiny-inception.onnx');
  const translated = path.join(dir, 'translated');
  const targetImages = Array.from({ length: 12 }, (_, i) => image(100 + i));
  // Loaded lazily, as the pipeline loads the metrics package.
  let metricsPackage: typeof import('@semadapt/metrics-fid-is');
  beforeAll(async () => {
    metricsPackage = await import('@semadapt/metrics-fid-is');
    const { buildTinyInception } = await import('@semadapt/metrics-fid-is/testing');
    fs.writeFileSync(model, buildTinyInception(3, 1008, 16).bytes);
    fs.mkdirSync(translated);
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(translated, `${i}.png`), encodePng(image(i)));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const metrics = validateRunConfig({
    data: { source: { dataset: 'gta5', root: 'g' }, target: { dataset: 'cityscapes', root: 'c' } },
    metrics: { inception: model, featuresOutput: 'pool3', logitsOutput: 'logits', isSplits: 2 },
  }).metrics;

  it('equals the metrics package on the same images; the target statistics are computed once and reused', async () => {
    const statsFile = path.join(dir, 'fid', 'target-train.safetensors');
    const target = { length: targetImages.length, get: (i: number) => targetImages[i] };
    const q = await measureTranslation(metrics, { images: translated, target, statsFile });
    const opts = { featuresOutput: 'pool3', logitsOutput: 'logits' };
    const fid = await metricsPackage.computeFid(model, translated, targetImages, opts);
    const is = await metricsPackage.computeInceptionScore(model, translated, { ...opts, splits: 2 });
    expect(q.images).toBe(10);
    expect(q.fid).toBeGreaterThan(0);
    expect(Math.abs(q.fid - fid.fid)).toBeLessThan(1e-9 * Math.max(1, fid.fid));
    expect(q.is).toEqual({ mean: is.mean, std: is.std });
    const written = fs.statSync(statsFile).mtimeMs;
    // A second round reads the statistics back: the target images are not needed again.
    const broken = { length: 1, get: () => { throw new Error('target images read again'); } };
    const again = await measureTranslation(metrics, { images: translated, target: broken, statsFile });
    expect(again.fid).toBeCloseTo(q.fid, 9);
    expect(fs.statSync(statsFile).mtimeMs).toBe(written);
  });

  it('is --normalization imagenet reaches the model (other inputs, other score) and is reported', async () => {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
    try {
      for (const normalization of ['minusOneOne', 'imagenet']) {
        await inceptionScore({ inception: model, images: translated, mode: 'legacy', splits: 2, normalization, json: true });
      }
    } finally {
      log.mockRestore();
    }
    const [a, b] = out.map((s) => JSON.parse(s));
    expect([a.normalization, b.normalization]).toEqual(['minusOneOne', 'imagenet']);
    const direct = await metricsPackage.computeInceptionScore(model, translated, { splits: 2, normalization: 'imagenet', logitsOutput: 'logits' });
    expect(b.mean).toBe(direct.mean);
    expect(a.mean).not.toBe(b.mean);
  });
});
