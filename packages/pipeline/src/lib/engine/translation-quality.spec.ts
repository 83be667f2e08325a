/**
 * `adapt`'s translation quality: FID of a translated folder against target
 * train statistics (computed once, then read back while they match the
 * Inception model; recomputed when the model file or mode changed; a
 * mismatching `metrics.referenceStats` is an error) and IS of the folder,
 * through the user's Inception ONNX — here the tiny network with the
 * InceptionV3 contract — agreeing with the metrics package called directly
 * on the same images; the `fid` command's error for mismatching statistics;
 * and the `is` command's --normalization.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodePng, ImageU8 } from '@semadapt/data-core';
import { validateRunConfig } from '../config/run-config';
import { fid as fidCommand, inceptionScore } from '../commands/fid-is';
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
    const q = await measureTranslation(metrics, { images: translated, target, cacheFile: statsFile });
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
    const again = await measureTranslation(metrics, { images: translated, target: broken, cacheFile: statsFile });
    expect(again.fid).toBeCloseTo(q.fid, 9);
    expect(fs.statSync(statsFile).mtimeMs).toBe(written);
  });

  const target = { length: targetImages.length, get: (i: number) => targetImages[i] };
  const broken = { length: 1, get: (): ImageU8 => { throw new Error('target images read again'); } };
  const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
  const opts = { featuresOutput: 'pool3', logitsOutput: 'logits' };

  it('cached statistics of a model file since replaced by other weights are recomputed (the log says why), not used', async () => {
    const swapped = path.join(dir, 'swapped', 'inception.onnx');
    const cacheFile = path.join(dir, 'swapped', 'fid', 'target-train.safetensors');
    fs.mkdirSync(path.dirname(swapped), { recursive: true });
    const { buildTinyInception } = await import('@semadapt/metrics-fid-is/testing');
    fs.writeFileSync(swapped, buildTinyInception(4, 1008, 16).bytes);
    const onSwapped = { ...metrics, inception: swapped };
    const before = await measureTranslation(onSwapped, { images: translated, target, cacheFile });
    // The user replaces the model file in place: same path, other weights.
    fs.writeFileSync(swapped, fs.readFileSync(model));
    const log: string[] = [];
    const after = await measureTranslation(onSwapped, { images: translated, target, cacheFile, log: (l) => log.push(l) });
    expect(log.join('\n')).toMatch(/target train statistics .*swapped\/fid\/target-train\.safetensors do not match the Inception model \(weights: the file was made with .*inception\.onnx \(sha256 [0-9a-f]{16}…\), this run uses .*\); recomputing them/);
    // The FID is the new model's, computed from the target images themselves.
    const direct = await metricsPackage.computeFid(swapped, translated, targetImages, opts);
    expect(Math.abs(after.fid - direct.fid)).toBeLessThan(1e-9 * Math.max(1, direct.fid));
    expect(after.fid).not.toBeCloseTo(before.fid, 3);
    expect(metricsPackage.loadStatsMetadata(cacheFile)['modelSha256']).toBe(sha256sum(swapped));
  });

  it('cached statistics of another mode are recomputed; matching ones are reused', async () => {
    const cacheFile = path.join(dir, 'mode', 'target-train.safetensors');
    await measureTranslation(metrics, { images: translated, target, cacheFile });
    const log: string[] = [];
    const clean = await measureTranslation({ ...metrics, mode: 'clean' }, { images: translated, target, cacheFile, log: (l) => log.push(l) });
    expect(log.join('\n')).toMatch(/do not match the Inception model \(mode: file 'legacy', this run 'clean'; resize: .*\); recomputing them/);
    const direct = await metricsPackage.computeFid(model, translated, targetImages, { ...opts, mode: 'clean' });
    expect(Math.abs(clean.fid - direct.fid)).toBeLessThan(1e-9 * Math.max(1, direct.fid));
    const reused: string[] = [];
    const again = await measureTranslation({ ...metrics, mode: 'clean' }, { images: translated, target: broken, cacheFile, log: (l) => reused.push(l) });
    expect(again.fid).toBe(clean.fid);
    expect(reused).toEqual([]);
  });

  it('a metrics.referenceStats file made by another model is an error naming it (not overwritten); a matching one is used', async () => {
    const other = path.join(dir, 'other-inception.onnx');
    const { buildTinyInception } = await import('@semadapt/metrics-fid-is/testing');
    fs.writeFileSync(other, buildTinyInception(5, 1008, 16).bytes);
    const userStats = path.join(dir, 'user', 'cityscapes-train.safetensors');
    // Written where metrics.referenceStats points when it does not exist yet (here: by the other model).
    await measureTranslation({ ...metrics, inception: other, referenceStats: userStats }, { images: translated, target, cacheFile: path.join(dir, 'unused') });
    const bytes = fs.readFileSync(userStats);
    await expect(measureTranslation({ ...metrics, referenceStats: userStats }, { images: translated, target: broken, cacheFile: path.join(dir, 'unused') })).rejects.toThrow(
      /metrics\.referenceStats: .*user\/cityscapes-train\.safetensors was not made by metrics\.inception .*tiny-inception\.onnx with this run's metrics settings — weights: the file was made with .*other-inception\.onnx/,
    );
    expect(fs.readFileSync(userStats).equals(bytes)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'unused'))).toBe(false);
    const used = await measureTranslation({ ...metrics, inception: other, referenceStats: userStats }, { images: translated, target: broken, cacheFile: path.join(dir, 'unused') });
    const direct = await metricsPackage.computeFid(other, translated, targetImages, opts);
    expect(Math.abs(used.fid - direct.fid)).toBeLessThan(1e-9 * Math.max(1, direct.fid));
  });

  it('metrics.referenceStats must name a .safetensors file (computeFid reads any other path as an image folder)', () => {
    const data = { source: { dataset: 'gta5', root: 'g' }, target: { dataset: 'cityscapes', root: 'c' } };
    expect(() => validateRunConfig({ data, metrics: { referenceStats: 'stats/cityscapes-train.npz' } })).toThrow(/metrics\.referenceStats.*must name a \.safetensors statistics file/);
    expect(validateRunConfig({ data, metrics: { referenceStats: 'stats/cityscapes-train.safetensors' } }).metrics.referenceStats).toBe('stats/cityscapes-train.safetensors');
  });

  it('fid <images> <stats> with statistics of another model fails naming the statistics file and the difference', async () => {
    // The command finds pool3 by shape: 2048-d models (the mismatch is found before any FID arithmetic).
    const { buildTinyInception } = await import('@semadapt/metrics-fid-is/testing');
    const [made, used] = ['made-stats.onnx', 'cli-model.onnx'].map((n) => path.join(dir, n));
    fs.writeFileSync(made, buildTinyInception(6).bytes);
    fs.writeFileSync(used, buildTinyInception(9).bytes);
    const stats = path.join(dir, 'cli-stats.safetensors');
    await metricsPackage.saveReferenceStatistics(made, targetImages.slice(0, 2), stats, 'target');
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(fidCommand({ inception: used, images: translated, reference: stats, mode: 'legacy', json: true })).rejects.toThrow(
        new RegExp(`Statistics ${stats} were not made by this Inception model and protocol, so an FID against them would be wrong — weights: the file was made with ${made} \\(sha256 ${sha256sum(made).slice(0, 16)}…\\), this run uses ${used} \\(sha256 ${sha256sum(used).slice(0, 16)}…\\)`),
      );
    } finally {
      err.mockRestore();
    }
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
