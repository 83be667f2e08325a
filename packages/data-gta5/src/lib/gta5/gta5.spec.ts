import * as fs from 'fs';
import * as path from 'path';
import { DataLoader, DatasetTreeError } from '@semadapt/data-core';
import { SPEC_LABEL_ID_TO_TRAIN_ID, useTempRoot, writeGta5Fixture, type BrokenVariant } from '@semadapt/data-core/testing';
import { checkGta5, openGta5 } from './gta5';

const SPEC_TABLE = SPEC_LABEL_ID_TO_TRAIN_ID;
const X = 255;

const fresh = useTempRoot('semadapt-gta5-');

describe('GTA5 reader on the real layout (images/NNNNN.png, labels/NNNNN.png palette)', () => {
  it('every labelId 0..33 written as a palette index reads back as SPEC §5 trainId (34×1 label)', async () => {
    const root = fresh('map');
    writeGta5Fixture(root, { count: 2, width: 34, height: 1, shift: 0 });
    const ds = openGta5(root);
    expect(ds.length).toBe(2);
    expect(ds.name(0)).toBe('images/00001.png');
    const s = await ds.get(0);
    expect(s.label).toMatchObject({ width: 34, height: 1, channels: 1 });
    expect(Array.from(s.label?.data ?? [])).toEqual(SPEC_TABLE);
    expect(s.image).toMatchObject({ width: 34, height: 1, channels: 3 });
  });

  it('classes=16 maps terrain (22), truck (27), train (31) to 255; classes=13 also wall, fence, pole', async () => {
    const root = fresh('subsets');
    writeGta5Fixture(root, { count: 2, width: 34, height: 1, shift: 0 });
    const l16 = Array.from((await openGta5(root, { classes: 16 }).get(0)).label?.data ?? []);
    const l13 = Array.from((await openGta5(root, { classes: 13 }).get(0)).label?.data ?? []);
    const t16 = SPEC_TABLE.map((t) => ([9, 14, 16].includes(t) ? X : t));
    const t13 = t16.map((t) => ([3, 4, 5].includes(t) ? X : t));
    expect(l16).toEqual(t16);
    expect(l13).toEqual(t13);
  });

  it('check() reports splits, per-trainId pixel counts and ignored pixels (hand count from the written ids)', () => {
    const root = fresh('check');
    // 3 labels of 16×8 = 128 pixels cycling through ids 0..33 from offsets 0, 1, 2.
    const m = writeGta5Fixture(root, { count: 3 });
    const expected = new Array(19).fill(0);
    let ignored = 0;
    for (const p of m.pairs) {
      for (const id of p.ids) {
        if (SPEC_TABLE[id] === X) ignored++;
        else expected[SPEC_TABLE[id]]++;
      }
    }
    const progress: number[] = [];
    const r = checkGta5(root, { onProgress: (done, total) => progress.push(done, total) });
    expect(progress).toEqual([0, 3, 1, 3, 2, 3, 3, 3]);
    expect(r).toEqual({ dataset: 'gta5', root: path.resolve(root), splits: { all: 3 }, problems: [], trainIdPixels: expected, ignoredPixels: ignored });
    expect(ignored + expected.reduce((a, b) => a + b, 0)).toBe(3 * 128);
  });

  const broken: Array<[BrokenVariant, RegExp]> = [
    ['missing-folder', /labels: missing folder \(GTA5 labels\/\)/],
    ['missing-label', /images\/00001\.png: image has no label \(expected .*labels\/00001\.png\)/],
    ['missing-image', /labels\/00002\.png: label has no image \(expected .*images\/00002\.png\)/],
    ['truncated-image', /images\/00003\.png: truncated PNG: no IEND trailer/],
    ['truncated-label', /labels\/00003\.png: truncated PNG: no IEND trailer/],
    ['size-mismatch', /labels\/00001\.png: label is 18×8 but image .*images\/00001\.png is 16×8/],
  ];
  it.each(broken)('open fails on %s, naming the path', (variant, message) => {
    const root = fresh(`broken-${variant}`);
    const m = writeGta5Fixture(root, { broken: [variant] });
    let err: unknown;
    try {
      openGta5(root);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetTreeError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(m.broken[0].path);
    expect(checkGta5(root).problems.map((p) => p.path)).toContain(m.broken[0].path);
  });

  it("size mismatch with sizeMismatch:'skip' opens without the pair and lists a warning", () => {
    const root = fresh('skip');
    const m = writeGta5Fixture(root, { count: 3, broken: ['size-mismatch'] });
    const ds = openGta5(root, { sizeMismatch: 'skip' });
    expect(ds.length).toBe(2);
    expect(ds.warnings.map((w) => w.path)).toEqual([m.broken[0].path]);
    expect(ds.warnings[0].message).toMatch(/pair skipped/);
    expect(checkGta5(root, { sizeMismatch: 'skip' }).splits).toEqual({ all: 2 });
  });

  it('out-of-range id 40: counted and reported by check(), fatal when opening with validate=full', () => {
    const root = fresh('range');
    const m = writeGta5Fixture(root, { count: 3, broken: ['out-of-range-id'] });
    const r = checkGta5(root);
    expect(r.problems).toEqual([{ path: m.broken[0].path, message: '2 pixels with label ids outside 0..33 (ids 40); read as ignore (255)' }]);
    expect(() => openGta5(root)).not.toThrow();
    expect(() => openGta5(root, { validate: 'full' })).toThrow(/ids outside 0\.\.33/);
  });

  it('a split list restricts the pairs; an unknown entry is a problem naming the list', () => {
    const root = fresh('list');
    writeGta5Fixture(root, { count: 3 });
    const list = path.join(root, 'train.txt');
    fs.writeFileSync(list, 'images/00003.png\n\nimages/00001.png\n');
    expect(openGta5(root, { list }).allSpecs().map((s) => s.name)).toEqual(['images/00003.png', 'images/00001.png']);
    fs.writeFileSync(list, 'images/00009.png\n');
    expect(() => openGta5(root, { list })).toThrow(/train\.txt: entry 'images\/00009\.png' is not an image with a label/);
  });

  it('a missing root names the root', () => {
    expect(() => openGta5(fresh('nowhere'))).toThrow(/nowhere: missing folder \(GTA5 root\)/);
  });

  it('feeds the DataLoader (2 workers): resize 48×24, crop 16×16, flip; labels stay SPEC trainIds', async () => {
    const root = fresh('loader');
    writeGta5Fixture(root, { count: 4, width: 34, height: 17 });
    const ds = openGta5(root, { pipeline: { resize: { kind: 'size', width: 48, height: 24 }, crop: { width: 16, height: 16 }, flipProbability: 0.5 } });
    const loader = new DataLoader(ds, { workers: 2, seed: 2 });
    const allowed = new Set(SPEC_TABLE);
    try {
      const seen: string[] = [];
      for await (const { sample } of loader.epoch(0)) {
        seen.push(sample.name);
        expect([sample.image.width, sample.image.height, sample.label?.width, sample.label?.height]).toEqual([16, 16, 16, 16]);
        for (const t of sample.label?.data ?? []) expect(allowed.has(t)).toBe(true);
      }
      expect(seen.sort()).toEqual(['images/00001.png', 'images/00002.png', 'images/00003.png', 'images/00004.png']);
    } finally {
      await loader.close();
    }
  });
});
