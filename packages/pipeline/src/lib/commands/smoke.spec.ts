/**
 * `semadapt smoke` through the real CLI (bin/semadapt.js): the generated tree
 * has the datasets' real image sizes (read from the PNG headers here, not
 * through our decoder), every stage runs and is timed, evaluation scores
 * every pixel of the full-resolution labels, and a broken input file makes
 * the command exit non-zero. The networks are made small with ordinary
 * dotted config overrides so CI stays fast; the real-width runs are measured
 * and reported in the README.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
const BIN = path.join(ROOT, 'packages', 'pipeline', 'bin', 'semadapt.js');

const SMALL = [
  '--backend', 'wasm',
  '--data.resize', '[64,32]',
  '--data.translatorCrop', '[32,32]',
  '--model.segmenter.network.width', '0.125',
  '--model.segmenter.network.depth', '{"kind":"custom","blocks":[1,1,1,1]}',
  '--model.segmenter.network.asppDilations', '[1,2,3,4]',
  '--model.translator.widthMultiplier', '0.125',
  '--model.translator.residualBlocks', '1',
  '--model.translator.discriminatorScales', '1',
];

/** Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian). */
function pngSize(file: string): [number, number] {
  const b = fs.readFileSync(file);
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

function smoke(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'smoke', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
}

describe('semadapt smoke', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-spec-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('runs every stage of gta5→cityscapes/deeplabv2 on a tree at the real sizes, evaluating at full label resolution', () => {
    const data = path.join(tmp, 'data');
    const r = smoke(['--preset', 'gta5-to-cityscapes/deeplabv2', '--data-dir', data, '--run-dir', path.join(tmp, 'run'), '--json', ...SMALL]);
    if (r.status !== 0) throw new Error(`smoke failed (${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    // Real sizes: GTA5 1914×1052 images and labels, Cityscapes 2048×1024 images and labels.
    expect(pngSize(path.join(data, 'gta5', 'images', '00001.png'))).toEqual([1914, 1052]);
    expect(pngSize(path.join(data, 'gta5', 'labels', '00001.png'))).toEqual([1914, 1052]);
    const val = path.join(data, 'cityscapes', 'gtFine', 'val', 'frankfurt');
    const labels = fs.readdirSync(val);
    expect(labels).toHaveLength(2);
    for (const f of labels) expect(pngSize(path.join(val, f))).toEqual([2048, 1024]);
    const img = fs.readdirSync(path.join(data, 'cityscapes', 'leftImg8bit', 'train', 'aachen'))[0];
    expect(pngSize(path.join(data, 'cityscapes', 'leftImg8bit', 'train', 'aachen', img))).toEqual([2048, 1024]);
    // Every pixel of both val labels is a valid class (sky, building, road, car), so the confusion matrix holds 2·2048·1024.
    expect(r.stdout).toContain(`${2 * 2048 * 1024} labelled pixels`);
    const { stages } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    expect(stages.map((s: { stage: string }) => s.stage)).toEqual(['source', 'translator', 'export', 'translate', 'pseudo-label', 'segmenter', 'evaluate']);
    for (const s of stages) {
      expect(s.ok).toBe(true);
      expect(s.seconds).toBeGreaterThan(0);
      expect(s.peakRssMb).toBeGreaterThan(0);
    }
    // The training stages report their step time and the preset's full step counts (120k, 1M, 120k).
    const byName = Object.fromEntries(stages.map((s: { stage: string }) => [s.stage, s]));
    expect(byName['source'].fullSteps).toBe(120000);
    expect(byName['translator'].fullSteps).toBe(1000000);
    expect(byName['segmenter'].fullSteps).toBe(120000);
    for (const k of ['source', 'translator', 'segmenter']) expect(byName[k].secondsPerStep).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/smoke gta5→cityscapes\/deeplabv2: 7\/7 stages passed/);
    // Translations and pseudo-labels of both images were written.
    for (const dir of ['translated', 'pseudo-labels']) {
      const files = (fs.readdirSync(path.join(tmp, 'run', 'outputs', 'round1', dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.png'));
      expect(files).toHaveLength(2);
    }
  });

  it('exits non-zero and names the file when an input is broken', () => {
    const data = path.join(tmp, 'broken');
    // A truncated GTA5 image where the generator would write one: the tree is reused as it is, so the run meets it.
    fs.mkdirSync(path.join(data, 'gta5', 'images'), { recursive: true });
    fs.writeFileSync(path.join(data, 'gta5', 'images', '00001.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const r = smoke(['--preset', 'gta5-to-cityscapes/deeplabv2', '--data-dir', data, '--run-dir', path.join(tmp, 'run-broken'), ...SMALL]);
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).toContain(path.join('gta5', 'images', '00001.png'));
  });
});
