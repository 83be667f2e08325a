/**
 * Reference statistics are only used with the model and protocol that made
 * them: the weights are identified by the SHA-256 of the model file (checked
 * against sha256sum), so a file replaced in place, another mode, another
 * normalization or another features output is an error naming the statistics
 * file and the difference; the same weights under another path are accepted.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTinyInception } from '../../testing/tiny-inception';
import { InceptionModel } from '../inception/inception-model';
import { RgbImageLike } from '../inception/preprocess';
import { loadStats, loadStatsMetadata, saveStats, StatsProvenance } from '../stats/stats-file';
import { computeFid, referenceStatsMismatches, saveReferenceStatistics } from './metrics';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-stats-provenance-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 16-d features (and 16 classes, so 'logits' can serve as a second 16-d features output of the same file).
const weightsA = buildTinyInception(7, 16, 16).bytes;
const weightsB = buildTinyInception(8, 16, 16).bytes;
const small = { featuresOutput: 'pool3', warn: () => undefined };

function image(w: number, h: number, seed: number): RgbImageLike {
  const data = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 16) % 256;
  }
  return { width: w, height: h, channels: 3, data };
}
const setA = Array.from({ length: 5 }, (_, i) => image(30, 20, 10 + i));
const setB = Array.from({ length: 5 }, (_, i) => image(30, 20, 40 + i));

const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];

/** A fresh model file with `bytes` and statistics of setB made with it (legacy, minusOneOne, pool3). */
async function statsMadeWith(name: string, bytes: Uint8Array): Promise<{ model: string; stats: string }> {
  const model = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(model, bytes);
  const stats = path.join(dir, `${name}.safetensors`);
  await saveReferenceStatistics(model, setB, stats, 'test/setB', small);
  return { model, stats };
}

describe('statistics files record and check the Inception model that made them', () => {
  it("records the model file's SHA-256 (as sha256sum computes it) beside mode, resize, normalization and features", async () => {
    const { model, stats } = await statsMadeWith('recorded', weightsA);
    const expected = sha256sum(model);
    const m = await InceptionModel.load(model, small);
    expect(m.sha256).toBe(expected);
    await m.release();
    const metadata = loadStatsMetadata(stats);
    expect(metadata).toEqual(loadStats(stats).metadata);
    expect(metadata).toMatchObject({ modelSha256: expected, model, mode: 'legacy', normalization: 'minusOneOne', features: 'pool3', reference: 'test/setB' });
    expect(metadata['resize']).toMatch(/bilinear/);
  });

  it('the same weights under another path: accepted, and the FID equals the one from the images', async () => {
    const { stats } = await statsMadeWith('same-weights', weightsA);
    const copy = path.join(dir, 'copy-of-same-weights.onnx');
    fs.writeFileSync(copy, weightsA);
    const m = await InceptionModel.load(copy, small);
    expect(referenceStatsMismatches(m, stats)).toEqual([]);
    const viaFile = await computeFid(m, setA, stats, small);
    const direct = await computeFid(m, setA, setB, small);
    expect(Math.abs(viaFile.fid - direct.fid)).toBeLessThan(1e-9 * Math.max(1, direct.fid));
    expect(viaFile.modelSha256).toBe(sha256sum(copy));
    await m.release();
  });

  it('a model file replaced in place by other weights: an error naming the statistics file and both hashes', async () => {
    const { model, stats } = await statsMadeWith('replaced', weightsA);
    const before = sha256sum(model);
    fs.writeFileSync(model, weightsB);
    const after = sha256sum(model);
    expect(after).not.toBe(before);
    const err = await computeFid(model, setA, stats, small).then(() => undefined, (e: Error) => e.message);
    expect(err).toContain(`Statistics ${stats} were not made by this Inception model`);
    expect(err).toContain(`weights: the file was made with ${model} (sha256 ${before.slice(0, 16)}…), this run uses ${model} (sha256 ${after.slice(0, 16)}…)`);
    // The statistics may stand on either side; they are checked before any image is read.
    const unread = { length: 1, get: (): RgbImageLike => { throw new Error('images read before the statistics were checked'); } };
    await expect(computeFid(model, stats, unread, small)).rejects.toThrow(/weights: the file was made with/);
    await expect(computeFid(model, unread, stats, small)).rejects.toThrow(/weights: the file was made with/);
  });

  it('another mode, normalization or features output of the same weights: an error naming the field and both values', async () => {
    const { model, stats } = await statsMadeWith('protocol', weightsA);
    await expect(computeFid(model, setA, stats, { ...small, mode: 'clean' })).rejects.toThrow(
      /protocol\.safetensors were not made .*mode: file 'legacy', this run 'clean'; resize: file '299x299 bilinear.*', this run '299x299 PIL-bicubic/,
    );
    await expect(computeFid(model, setA, stats, { ...small, normalization: 'imagenet' })).rejects.toThrow(/normalization: file 'minusOneOne', this run 'imagenet'/);
    await expect(computeFid(model, setA, stats, { ...small, featuresOutput: 'logits' })).rejects.toThrow(/features: file 'pool3', this run 'logits'/);
    const m = await InceptionModel.load(model, { ...small, mode: 'clean', normalization: 'imagenet' });
    expect(referenceStatsMismatches(m, stats).map((l) => l.split(':')[0])).toEqual(['mode', 'normalization', 'resize']);
    await m.release();
  });

  it('a file without a model hash (written before hashes were recorded) cannot be verified: an error saying so', async () => {
    const { model, stats } = await statsMadeWith('old', weightsA);
    const { stats: gaussian, metadata } = loadStats(stats);
    const { modelSha256: _dropped, count: _count, format: _format, ...older } = metadata;
    const oldFile = path.join(dir, 'before-hashes.safetensors');
    saveStats(oldFile, gaussian, older as unknown as StatsProvenance);
    expect(loadStatsMetadata(oldFile)['modelSha256']).toBeUndefined();
    await expect(computeFid(model, setA, oldFile, small)).rejects.toThrow(
      /before-hashes\.safetensors were not made .*weights: the file records no model hash \(written before semadapt recorded one; its model was .*old\.onnx\)/,
    );
  });

  it('a model path that cannot be read as a file is named in the error', async () => {
    await expect(InceptionModel.load(dir)).rejects.toThrow(new RegExp(`Inception model ${dir} cannot be read`));
  });
});
