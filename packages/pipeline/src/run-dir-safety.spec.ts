/**
 * Through the real CLI: a user's folder is never deleted or taken over as a
 * run directory (`--fresh`, `--force-config` included), a diverged update
 * never ends up in the kept checkpoint, and a resume on changed data is
 * refused with the data set named.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors } from '@semadapt/core-layers';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { runCli } from './testing/run-cli';
import { runWithFault } from './testing/fault-run';

jest.setTimeout(300_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-rundir-safety-'));
const STAGE = 'round0/train-source';

function writeConfig(name: string, dataRoot: string, extra: { optimization?: object; trainer?: object } = {}): string {
  const cfg = {
    backend: 'cpu',
    onnxThreads: 1,
    optimization: { seed: 3, sourceSteps: 6, checkpointEvery: 2, evalEvery: 0, batchSize: 2, ...extra.optimization },
    model: { segmenter: { arch: 'deeplabv2', network: { width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2] }, ...(extra.trainer ? { trainer: extra.trainer } : {}) } },
    data: {
      source: { dataset: 'gta5', root: path.join(dataRoot, 'gta5') },
      target: { dataset: 'cityscapes', root: path.join(dataRoot, 'cityscapes') },
      resize: [32, 16], translatorCrop: null, workers: 0,
    },
    logging: { progress: 'plain', plainEverySeconds: 0.001, reportImages: 1 },
  };
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

/** A folder of the user's own files; returns a snapshot of its contents. */
function userFolder(name: string, files: Record<string, string>): { root: string; snapshot: () => Record<string, string> } {
  const root = path.join(dir, name);
  fs.mkdirSync(root, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(root, f), text);
  const snapshot = () => Object.fromEntries(fs.readdirSync(root).sort().map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
  return { root, snapshot };
}

let data: { root: string };
beforeAll(() => {
  data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 32, height: 16, counts: { source: 6, targetTrain: 4, targetVal: 3 }, imagesPerCity: 2 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('run directories belong to semadapt only when it made them', () => {
  it('demo --fresh on a user folder deletes nothing: not when the config is invalid, not when it is valid', () => {
    const user = userFolder('mine', { 'notes.txt': 'my notes', 'metrics.jsonl': 'my own log\n' });
    const before = user.snapshot();
    const demoData = path.join(dir, 'demo-data');
    const bad = runCli(['demo', '--fresh', '--run-dir', user.root, '--data-dir', demoData, '--optimization.sourceStepz', '1']);
    expect(bad.status).toBe(2);
    expect(user.snapshot()).toEqual(before);
    const ok = runCli(['demo', '--fresh', '--run-dir', user.root, '--data-dir', demoData]);
    expect(ok.status).toBe(1);
    expect(ok.stderr).toMatch(/is not a semadapt run directory/);
    expect(ok.stderr).toContain(user.root);
    expect(user.snapshot()).toEqual(before);
    // Refused before any work: the demo data was not even generated.
    expect(fs.existsSync(demoData)).toBe(false);
  });

  it('an unrelated existing folder given as --run-dir is refused, with or without --force-config, and left as it was', () => {
    const config = writeConfig('takeover', data.root);
    const user = userFolder('results', { 'metrics.jsonl': '{"mine":1}\n', 'report.html': '<p>my report</p>' });
    const before = user.snapshot();
    for (const extra of [[], ['--force-config']]) {
      const r = runCli(['train-source', '--config', config, '--run-dir', user.root, ...extra]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/is not a semadapt run directory/);
      expect(user.snapshot()).toEqual(before);
    }
  });
});

describe('what a resume keeps and checks', () => {
  it('a diverged update (lr 1e39) exits 3 and no checkpoint with non-finite values is kept', async () => {
    const config = writeConfig('diverge', data.root, {
      optimization: { checkpointEvery: 1 },
      trainer: { segmenterOptimizer: { kind: 'sgd', lr: 1e39, momentum: 0.9, weightDecay: 0, schedule: { kind: 'constant' } } },
    });
    const run = path.join(dir, 'diverge');
    const r = runCli(['train-source', '--config', config, '--run-dir', run]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/non-finite/);
    const latest = path.join(run, 'checkpoints', STAGE, 'latest', 'segmenter.safetensors');
    if (fs.existsSync(latest)) {
      let bad = 0;
      for (const [, t] of (await readSafetensors(latest)).tensors) for (const v of Array.from(t.data as ArrayLike<number>)) if (!Number.isFinite(Number(v))) bad++;
      expect(bad).toBe(0);
    } else {
      expect(r.stderr).toMatch(/no checkpoint had been written yet/);
    }
  });

  it('a resume after the data set changed (2 of 6 source pairs removed) is refused, naming the data set', () => {
    const own = path.join(dir, 'data-copy');
    fs.cpSync(data.root, own, { recursive: true });
    const config = writeConfig('changed', own);
    const run = path.join(dir, 'changed');
    const args = ['train-source', '--config', config, '--run-dir', run];
    const r1 = runWithFault(args, { match: '^renameSync \\S*/latest\\.staging-\\d+ -> \\S*/latest$', when: 'after' });
    expect(r1.signal).toBe('SIGKILL');
    const images = path.join(own, 'gta5', 'images');
    const labels = path.join(own, 'gta5', 'labels');
    for (const f of fs.readdirSync(images).sort().slice(0, 2)) {
      fs.rmSync(path.join(images, f));
      fs.rmSync(path.join(labels, f), { force: true });
    }
    const r2 = runCli(args);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/the data changed since checkpoint/);
    expect(r2.stderr).toMatch(/source at \S*gta5 had 12 files, now (8|10)/);
  });
});
