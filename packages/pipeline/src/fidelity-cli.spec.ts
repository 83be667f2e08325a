/**
 * The fidelity features through the real CLI on a tiny run (wasm, tiny
 * networks, the procedural benchmark, the tiny network with InceptionV3's
 * contract): `adapt --inception` writes `<run>/result.json` with, per round,
 * the last/best checkpoints, which one was used and FID/IS (round 0: the
 * untranslated source); then `fake-guidance --round 1` writes Figure 5's grid.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { runCli } from './testing/run-cli';

jest.setTimeout(300_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-fidelity-cli-'));

describe('fidelity through the CLI (tiny run)', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adapt --inception → result.json (last/best/used, FID/IS per round); fake-guidance --round 1 → grid', async () => {
    // Lazily, as the pipeline loads the metrics package.
    const { buildTinyInception } = await import('@semadapt/metrics-fid-is/testing');
    const data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 64, height: 32, counts: { source: 4, targetTrain: 4, targetVal: 2 }, imagesPerCity: 2 });
    const inception = path.join(dir, 'tiny-inception.onnx');
    fs.writeFileSync(inception, buildTinyInception(2, 1008, 16).bytes);
    const cfg = {
      backend: 'wasm',
      onnxThreads: 1,
      optimization: { seed: 5, sourceSteps: 2, translatorSteps: 2, segmenterSteps: 2, minRounds: 1, maxRounds: 1, checkpointEvery: 2, evalEvery: 1, batchSize: 2 },
      model: {
        segmenter: { arch: 'deeplabv2', network: { width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2], batchNorm: 'batch' } },
        translator: { widthMultiplier: 0.0625, residualBlocks: 1, discriminatorScales: 1 },
      },
      data: {
        source: { dataset: 'gta5', root: path.join(data.root, 'gta5') },
        target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') },
        resize: [64, 32], translatorCrop: null, segmenterCrop: null, workers: 0,
      },
      logging: { progress: 'plain', plainEverySeconds: 0.001, reportImages: 2 },
      metrics: { featuresOutput: 'pool3', logitsOutput: 'logits', isSplits: 2 },
    };
    const config = path.join(dir, 'run.json');
    fs.writeFileSync(config, JSON.stringify(cfg));
    const run = path.join(dir, 'run');
    const r = runCli(['adapt', '--config', config, '--run-dir', run, '--inception', inception]);
    expect(r.stderr + r.stdout).toMatch(/adapted, round 1/);
    expect(r.status).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'));
    expect(result.select).toBe('last');
    expect(result.rounds).toHaveLength(2);
    for (const row of result.rounds) {
      expect(row.used).toBe('last');
      expect(row.segmenter).toMatch(/latest$/);
      expect(row.last.step).toBe(2);
      expect(row.last.miou19).toBe(row.miou19);
      expect(row.best.step === 1 || row.best.step === 2).toBe(true);
      expect(Number.isFinite(row.fid) && row.fid >= 0).toBe(true);
      expect(row.is.mean).toBeGreaterThanOrEqual(1);
    }
    expect(fs.existsSync(path.join(run, 'outputs', 'fid', 'target-train.safetensors'))).toBe(true);
    // SPEC §7's single-file translator (segmenter embedded) beside the pair.
    expect(fs.existsSync(path.join(run, 'onnx', 'round1', 'translator-s2t-with-segmenter.onnx'))).toBe(true);
    const log = fs.readFileSync(path.join(run, 'log.txt'), 'utf8');
    expect(log).toMatch(/\[round0\/fid-is\] untranslated source vs target train: FID/);
    expect(log).toMatch(/\[round1\/fid-is\] translated source vs target train: FID/);

    const f = runCli(['fake-guidance', '--run-dir', run, '--round', '1', '--count', '2']);
    expect(f.stderr + f.stdout).toMatch(/fake-guidance: /);
    expect(f.status).toBe(0);
    const grid = fs.readdirSync(path.join(run, 'samples', 'round1__fake-guidance'));
    expect(grid.filter((n) => n.endsWith('__other-guided-translation.png'))).toHaveLength(2);
    const pairs = JSON.parse(fs.readFileSync(path.join(run, 'outputs', 'round1', 'fake-guidance.json'), 'utf8')).pairs;
    expect(pairs).toHaveLength(2);
    const html = fs.readFileSync(path.join(run, 'report.html'), 'utf8');
    expect(html).toContain('round1/fake-guidance');
    // The round table shows which checkpoint was used and the last/best ones (from result.json).
    expect(html).toContain('<th>used</th><th>last miou19</th><th>best miou19</th>');
    expect(html).toMatch(new RegExp(`<td>last</td><td>${(100 * result.rounds[1].last.miou19).toFixed(1)}[^<]* @2</td>`));
  });
});
