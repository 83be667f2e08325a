import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decode } from 'fast-png';
import { CITYSCAPES_LABEL_TO_TRAIN_ID, LABEL_ID_COLORS } from '@semadapt/labels';
import { demoCityscapesStem, generateDemoBenchmark, readDemoManifest } from './generate-demo-benchmark';
import { renderDemoScene } from './demo-scene';
import { DEMO_LABEL_IDS } from './label-ids';

// fast-png decodes independently of data-core's own PNG codec, and returns
// palette PNGs as raw indices: the reference for "labels survive on disk".

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

describe('generateDemoBenchmark', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scenegen-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const small = { seed: 5, width: 64, height: 32, counts: { source: 3, targetTrain: 3, targetVal: 2 }, imagesPerCity: 2 };

  it('source 3 / target 3+2 at 64x32: files exactly where the GTA5 and Cityscapes layouts put them', () => {
    const root = path.join(tmp, 'layout');
    const r = generateDemoBenchmark({ ...small, root });
    expect(r.generated).toBe(true);
    const cs = (stem: string) => [`cityscapes/gtFine/${stem}_gtFine_labelIds.png`, `cityscapes/leftImg8bit/${stem}_leftImg8bit.png`];
    const expected = [
      '.semadapt-demo',
      ...cs('train/aachen/aachen_000000_000019'), ...cs('train/aachen/aachen_000001_000019'), ...cs('train/bochum/bochum_000000_000019'),
      ...cs('val/frankfurt/frankfurt_000000_000019'), ...cs('val/frankfurt/frankfurt_000001_000019'),
      'gta5/images/00001.png', 'gta5/images/00002.png', 'gta5/images/00003.png',
      'gta5/labels/00001.png', 'gta5/labels/00002.png', 'gta5/labels/00003.png',
      'manifest.json',
    ].sort();
    expect(listFiles(root)).toEqual(expected);
    expect(readDemoManifest(root)).toMatchObject({ seed: 5, width: 64, height: 32, gapStrength: 1, counts: { source: 3, targetTrain: 3, targetVal: 2 } });
  });

  it('label PNGs: GTA5 8-bit palette with Cityscapes colours, Cityscapes 8-bit gray; ids intact and from the allowed set', () => {
    const root = path.join(tmp, 'layout');
    const allowed = new Set(DEMO_LABEL_IDS);
    for (let i = 0; i < 3; i++) {
      const png = decode(fs.readFileSync(path.join(root, 'gta5', 'labels', `0000${i + 1}.png`)));
      expect([png.width, png.height, png.channels, png.depth]).toEqual([64, 32, 1, 8]);
      expect(png.palette?.slice(0, 34).map((c) => Array.from(c).slice(0, 3))).toEqual(LABEL_ID_COLORS.map((c) => [...c]));
      const expected = renderDemoScene(5, 'source', 'train', i, 64, 32).labelIds;
      expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(expected))).toBe(true);
      for (const v of png.data) expect(allowed.has(v)).toBe(true);
      const img = decode(fs.readFileSync(path.join(root, 'gta5', 'images', `0000${i + 1}.png`)));
      expect([img.width, img.height, img.channels, img.depth, img.palette]).toEqual([64, 32, 3, 8, undefined]);
    }
    for (const [split, n] of [['train', 3], ['val', 2]] as const) {
      for (let i = 0; i < n; i++) {
        const stem = demoCityscapesStem(split, i, 2);
        const png = decode(fs.readFileSync(path.join(root, 'cityscapes', 'gtFine', `${stem}_gtFine_labelIds.png`)));
        expect([png.width, png.height, png.channels, png.depth, png.palette]).toEqual([64, 32, 1, 8, undefined]);
        expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(renderDemoScene(5, 'target', split, i, 64, 32).labelIds))).toBe(true);
        for (const v of png.data) expect(allowed.has(v)).toBe(true);
        const img = decode(fs.readFileSync(path.join(root, 'cityscapes', 'leftImg8bit', `${stem}_leftImg8bit.png`)));
        expect([img.width, img.height, img.channels]).toEqual([64, 32, 3]);
      }
    }
  });

  it('seed 5 twice → byte-identical trees; seed 6 → different images and labels', () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    const c = path.join(tmp, 'c');
    generateDemoBenchmark({ ...small, root: a });
    generateDemoBenchmark({ ...small, root: b });
    generateDemoBenchmark({ ...small, seed: 6, root: c });
    const files = listFiles(a);
    expect(listFiles(b)).toEqual(files);
    for (const f of files) expect(fs.readFileSync(path.join(b, f)).equals(fs.readFileSync(path.join(a, f)))).toBe(true);
    const pngs = files.filter((f) => f.endsWith('.png'));
    const differing = pngs.filter((f) => !fs.readFileSync(path.join(c, f)).equals(fs.readFileSync(path.join(a, f))));
    expect(differing).toEqual(pngs);
  });

  it('complete tree is kept; missing manifest (interrupted run) or new settings regenerate; foreign folders are refused', () => {
    const root = path.join(tmp, 'resume');
    expect(generateDemoBenchmark({ ...small, root }).generated).toBe(true);
    const label = path.join(root, 'gta5', 'labels', '00001.png');
    const before = fs.readFileSync(label);
    expect(generateDemoBenchmark({ ...small, root }).generated).toBe(false);
    // An interrupted run: manifest absent, one file truncated, a stray temp file.
    fs.rmSync(path.join(root, 'manifest.json'));
    fs.writeFileSync(label, before.subarray(0, 20));
    fs.writeFileSync(path.join(root, 'gta5', 'labels', '00002.png.tmp-1-x'), 'junk');
    expect(generateDemoBenchmark({ ...small, root }).generated).toBe(true);
    expect(fs.readFileSync(label).equals(before)).toBe(true);
    expect(fs.existsSync(path.join(root, 'gta5', 'labels', '00002.png.tmp-1-x'))).toBe(false);
    // Fewer images: the old extra files go.
    expect(generateDemoBenchmark({ ...small, root, counts: { source: 2, targetTrain: 1, targetVal: 1 } }).generated).toBe(true);
    expect(listFiles(path.join(root, 'gta5'))).toEqual(['images/00001.png', 'images/00002.png', 'labels/00001.png', 'labels/00002.png']);
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(path.join(foreign, 'gta5'), { recursive: true });
    expect(() => generateDemoBenchmark({ ...small, root: foreign })).toThrow(/foreign[/\\]gta5 exists but was not written by the demo generator/);
    expect(() => generateDemoBenchmark({ ...small, root, width: 10 })).toThrow('width must be an integer ≥ 32, got 10');
    expect(() => generateDemoBenchmark({ ...small, root, gapStrength: 1.5 })).toThrow('gapStrength must be a number in [0, 1], got 1.5');
  });

  it('grammar 128x64, 40 scenes per domain: every street class appears in both domains with similar road/building/sky shares', () => {
    const street = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 18];
    const share = (domain: 'source' | 'target') => {
      const counts = new Float64Array(256);
      for (let i = 0; i < 40; i++) for (const v of renderDemoScene(1, domain, 'train', i, 128, 64).labelIds) counts[CITYSCAPES_LABEL_TO_TRAIN_ID[v] ?? 255]++;
      const total = 40 * 128 * 64;
      return Array.from(counts, (c) => c / total);
    };
    const s = share('source');
    const t = share('target');
    for (const id of street) {
      expect([id, s[id] > 0]).toEqual([id, true]);
      expect([id, t[id] > 0]).toEqual([id, true]);
    }
    for (const id of [0, 2, 8, 10]) expect(Math.abs(s[id] - t[id])).toBeLessThan(0.1);
    expect(s[0]).toBeGreaterThan(0.2);
  });
});
