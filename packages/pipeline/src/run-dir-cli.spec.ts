/**
 * Issue 19 §2–5 through the real CLI (wasm, a tiny network, a tiny
 * procedural benchmark): a run directory remembers its config (`evaluate
 * --run-dir X` alone works), a later command may change only runtime keys
 * (others are refused naming key and both values), data roots and every
 * value are checked before a run directory is written, unknown flags fail
 * with the nearest name (exit 2), each command appends a manifest record,
 * each evaluation writes its own result.json with named classes and the
 * confusion matrix.
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { runCli } from './testing/run-cli';

jest.setTimeout(300_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-run-dir-cli-'));
const run = path.join(dir, 'run');
let configFile = '';

/** Cityscapes' 19 train classes in trainId order (cityscapesScripts labels.py). */
const CITYSCAPES_CLASSES = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain',
  'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
];

function walk(root: string, rel = ''): string[] {
  return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(root, path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : []);
}

beforeAll(() => {
  const data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 64, height: 32, counts: { source: 4, targetTrain: 2, targetVal: 2 }, imagesPerCity: 2 });
  const cfg = {
    backend: 'wasm',
    onnxThreads: 1,
    optimization: { seed: 5, sourceSteps: 2, checkpointEvery: 2, evalEvery: 0, batchSize: 2 },
    model: { segmenter: { arch: 'deeplabv2', network: { width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2], batchNorm: 'batch' } } },
    data: {
      source: { dataset: 'gta5', root: path.join(data.root, 'gta5') },
      target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') },
      resize: [64, 32], translatorCrop: null, segmenterCrop: null, workers: 0,
    },
    logging: { progress: 'plain', plainEverySeconds: 1, reportImages: 1 },
  };
  configFile = path.join(dir, 'run.json');
  fs.writeFileSync(configFile, JSON.stringify(cfg));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('run directories, strict flags, manifests and results through the CLI', () => {
  it('refuses unknown flags, bad values and missing data roots with exit 2 before writing the run directory', () => {
    const typo = runCli(['train-source', '--config', configFile, '--run_dir', run]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('unknown flag --run_dir; did you mean --run-dir?');
    const section = runCli(['train-source', '--config', configFile, '--run-dir', run, '--optimisation.sourceSteps', '5']);
    expect(section.status).toBe(2);
    expect(section.stderr).toContain('did you mean --optimization.sourceSteps?');
    const key = runCli(['train-source', '--config', configFile, '--run-dir', run, '--optimization.sourceStep', '5']);
    expect(key.status).toBe(2);
    expect(key.stderr).toContain('unknown config key --optimization.sourceStep; did you mean --optimization.sourceSteps?');
    // The discriminator's optimizer is first built in round 1; its lr is checked now.
    const lr = runCli(['train-source', '--config', configFile, '--run-dir', run, '--model.segmenter.trainer.discriminatorOptimizer',
      JSON.stringify({ kind: 'adam', lr: -1, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'poly', maxSteps: 10, power: 0.9 } })]);
    expect(lr.status).toBe(2);
    expect(lr.stderr).toMatch(/model\.segmenter\.trainer: .*lr.*-1/);
    const root = runCli(['train-source', '--config', configFile, '--run-dir', run, '--data.target.root', path.join(dir, 'nowhere')]);
    expect(root.status).toBe(2);
    expect(root.stderr).toContain(`data.target.root: no such directory: ${path.join(dir, 'nowhere')}`);
    expect(fs.existsSync(run)).toBe(false);
  });

  it('train-source, then evaluate with --run-dir alone; a runtime key may change, a trained one is refused', () => {
    const train = runCli(['train-source', '--config', configFile, '--run-dir', run]);
    expect(train.stderr + train.stdout).toMatch(/round0\/evaluate/);
    expect(train.status).toBe(0);

    const e1 = runCli(['evaluate', '--run-dir', run]);
    expect(e1.stderr).toBe('');
    expect(e1.status).toBe(0);
    const e2 = runCli(['evaluate', '--run-dir', run, '--logging.progress', 'none', '--data.workers', '1']);
    expect(e2.status).toBe(0);
    const refused = runCli(['evaluate', '--run-dir', run, '--optimization.sourceSteps', '5', '--data.resize', '[32,16]']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('optimization.sourceSteps: the run has 2, this command gives 5');
    expect(refused.stderr).toContain('data.resize: the run has [64,32], this command gives [32,16]');

    // config.json is still the trained config (runtime changes apply to their command only).
    const stored = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    expect(stored.logging.progress).toBe('plain');
    expect(stored.optimization.sourceSteps).toBe(2);

    // One result.json per evaluation, named classes, the confusion matrix agreeing with the IoUs.
    const results = fs.readdirSync(path.join(run, 'outputs', 'evaluate')).map((d) => path.join(run, 'outputs', 'evaluate', d, 'result.json'));
    expect(results.length).toBe(2);
    for (const file of results) {
      const r = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(r.classes.map((c: { name: string }) => c.name)).toEqual(CITYSCAPES_CLASSES);
      expect(r.confusion.classes).toEqual(CITYSCAPES_CLASSES);
      const m: number[][] = r.confusion.counts;
      expect(m.flat().reduce((a, b) => a + b, 0)).toBe(r.pixels);
      for (let c = 0; c < 19; c++) {
        const tp = m[c][c];
        const union = m[c].reduce((a, b) => a + b, 0) + m.reduce((a, row) => a + row[c], 0) - tp;
        if (union === 0) expect(r.classes[c].iou).toBeNull();
        else expect(r.classes[c].iou).toBeCloseTo(tp / union, 12);
      }
    }

    // Manifests: one per command (the refused one wrote none), training's kept after evaluating.
    const files = fs.readdirSync(path.join(run, 'manifests')).sort();
    const manifests = files.map((f) => JSON.parse(fs.readFileSync(path.join(run, 'manifests', f), 'utf8')));
    expect(manifests.map((m) => m.command)).toEqual(['train-source', 'evaluate', 'evaluate']);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname }).toString().trim();
    const flags = (/^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').split(/\s+/);
    const source = JSON.parse(fs.readFileSync(configFile, 'utf8')).data.source.root as string;
    const lines = walk(source).sort().map((f) => `${f}\t${fs.statSync(path.join(source, f)).size}`);
    const fingerprint = createHash('sha256').update(lines.join('\n')).digest('hex');
    for (const m of manifests) {
      expect(m.gitCommit).toMatch(new RegExp(`^${head}(\\+dirty)?$`));
      expect(m.compute.backend).toContain('wasm');
      expect(m.compute.kernels).toMatch(/backend: wasm/);
      expect(m.host.cpu.isa.includes('avx2')).toBe(flags.includes('avx2'));
      expect(m.host.cpu.isa.includes('avx512f')).toBe(flags.includes('avx512f'));
      expect(m.host.cpu.cores).toBe(os.cpus().length);
      expect(m.packageVersions['@semadapt/pipeline']).toBe('0.1.0');
      expect(m.datasets.source.fingerprint).toBe(fingerprint);
      expect(m.datasets.source.files).toBe(lines.length);
    }
    expect(manifests[2].configChanges.map((d: { path: string }) => d.path)).toEqual(['data.workers', 'logging.progress']);
  });
});
