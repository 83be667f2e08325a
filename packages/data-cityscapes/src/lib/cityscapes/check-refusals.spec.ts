/**
 * `data check` refuses what training refuses, naming the file: an empty split,
 * a 16-bit label in an 8-bit dataset; and it sees what training sees: a city
 * folder that is a symbolic link (to another disk) is part of the tree,
 * counted and checked, not silently dropped.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodePng } from '@semadapt/data-core';
import { writeCityscapesFixture } from '@semadapt/data-core/testing';
import { checkCityscapes, openCityscapes } from './cityscapes';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-check-refusals-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('data check (Cityscapes layout)', () => {
  it('an empty val split is a problem, as training refuses it', () => {
    const root = path.join(dir, 'cs');
    writeCityscapesFixture(root, { count: 2 });
    for (const sub of ['leftImg8bit/val', 'gtFine/val']) {
      fs.rmSync(path.join(root, sub), { recursive: true });
      fs.mkdirSync(path.join(root, sub));
    }
    const r = checkCityscapes(root);
    expect(r.splits).toEqual({ train: 2, val: 0 });
    expect(r.problems).toEqual([{ path: root, message: "split 'val' has no image/label pairs (training and evaluation refuse an empty split)" }]);
    expect(() => openCityscapes(root, { split: 'val' })).toThrow(/no image\/label pairs found/);
  });

  it('a city folder that is a symbolic link is followed: its pairs are counted and checked', () => {
    const root = path.join(dir, 'cs');
    const m = writeCityscapesFixture(root, { count: 4 });
    // Move train/bremen (images and labels) elsewhere and link it back.
    for (const sub of ['leftImg8bit/train/bremen', 'gtFine/train/bremen']) {
      const away = path.join(dir, 'other-disk', sub);
      fs.mkdirSync(path.dirname(away), { recursive: true });
      fs.renameSync(path.join(root, sub), away);
      fs.symlinkSync(away, path.join(root, sub), 'dir');
    }
    const r = checkCityscapes(root);
    expect(r.problems).toEqual([]);
    expect(r.splits.train).toBe(m.pairs.filter((p) => p.image.includes('/train/')).length);
    expect(r.splits.train).toBe(4);
    expect(openCityscapes(root, { split: 'train' }).length).toBe(4);
  });

  it('a link cycle ends (each real folder is walked once) and a broken linked label is reported by name', () => {
    const root = path.join(dir, 'cs');
    writeCityscapesFixture(root, { count: 2 });
    fs.symlinkSync(path.join(root, 'gtFine', 'train'), path.join(root, 'gtFine', 'train', 'aachen', 'loop'), 'dir');
    const label = fs.readdirSync(path.join(root, 'gtFine', 'train', 'aachen')).find((f) => f.endsWith('_gtFine_labelIds.png')) as string;
    const labelPath = path.join(root, 'gtFine', 'train', 'aachen', label);
    fs.rmSync(labelPath);
    fs.symlinkSync(path.join(dir, 'nowhere.png'), labelPath);
    const r = checkCityscapes(root);
    expect(r.problems.map((p) => p.path)).toContain(labelPath);
  });

  it('a 16-bit label in an 8-bit dataset is a problem naming the file (training refuses it at step 1)', () => {
    const root = path.join(dir, 'cs');
    const m = writeCityscapesFixture(root, { count: 2, width: 16, height: 8 });
    const label = m.pairs[0].label;
    fs.writeFileSync(label, encodePng({ width: 16, height: 8, channels: 1, data: new Uint16Array(16 * 8).fill(7) }));
    const r = checkCityscapes(root);
    expect(r.problems).toEqual([{ path: label, message: "16-bit label PNG, but this dataset's label ids are 8-bit (training would refuse it); re-save it with 8-bit samples" }]);
  });
});
