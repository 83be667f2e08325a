import * as path from 'path';
import { DatasetTreeError } from '@semadapt/data-core';
import { SPEC_LABEL_ID_TO_TRAIN_ID, useTempRoot, writeCityscapesFixture, type BrokenVariant } from '@semadapt/data-core/testing';
import { checkCityscapes, openCityscapes } from './cityscapes';

const SPEC_TABLE = SPEC_LABEL_ID_TO_TRAIN_ID;
const X = 255;

const fresh = useTempRoot('semadapt-cityscapes-');

describe('Cityscapes reader (leftImg8bit/<split>/<city>/…_leftImg8bit.png, gtFine/…_gtFine_labelIds.png)', () => {
  it('every labelId 0..33 (8-bit gray) reads back as its SPEC §5 trainId, in train and val', async () => {
    const root = fresh('map');
    writeCityscapesFixture(root, { count: 2, width: 34, height: 1, shift: 0 });
    for (const split of ['train', 'val'] as const) {
      const ds = openCityscapes(root, { split });
      expect(ds.length).toBe(2);
      expect(Array.from((await ds.get(0)).label?.data ?? [])).toEqual(SPEC_TABLE);
      expect(Array.from((await ds.get(1)).label?.data ?? [])).toEqual(SPEC_TABLE);
    }
    expect(openCityscapes(root).name(0)).toBe('leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png');
  });

  it('check() reports both splits and hand-counted pixels', () => {
    const root = fresh('check');
    const m = writeCityscapesFixture(root, { count: 3 });
    const expected = new Array(19).fill(0);
    let ignored = 0;
    for (const p of m.pairs) {
      for (const id of p.ids) {
        if (SPEC_TABLE[id] === X) ignored++;
        else expected[SPEC_TABLE[id]]++;
      }
    }
    expect(checkCityscapes(root)).toEqual({
      dataset: 'cityscapes',
      root: path.resolve(root),
      splits: { train: 3, val: 3 },
      problems: [],
      trainIdPixels: expected,
      ignoredPixels: ignored,
    });
  });

  const broken: Array<[BrokenVariant, RegExp]> = [
    ['missing-folder', /gtFine: missing folder \(Cityscapes gtFine\/\)/],
    ['missing-label', /aachen_000000_000019_leftImg8bit\.png: image has no label \(expected .*gtFine\/train\/aachen\/aachen_000000_000019_gtFine_labelIds\.png\)/],
    ['missing-image', /bremen_000001_000020_gtFine_labelIds\.png: label has no image/],
    ['truncated-image', /aachen_000002_000021_leftImg8bit\.png: truncated PNG/],
    ['truncated-label', /aachen_000002_000021_gtFine_labelIds\.png: truncated PNG/],
    ['size-mismatch', /aachen_000000_000019_gtFine_labelIds\.png: label is 18×8 but image .* is 16×8/],
  ];
  it.each(broken)('open fails on %s, naming the path', (variant, message) => {
    const root = fresh(`broken-${variant}`);
    const m = writeCityscapesFixture(root, { broken: [variant] });
    expect(() => openCityscapes(root)).toThrow(DatasetTreeError);
    expect(() => openCityscapes(root)).toThrow(message);
    expect(checkCityscapes(root).problems.map((p) => p.path)).toContain(m.broken[0].path);
  });

  it('a missing split folder is named', () => {
    const root = fresh('nosplit');
    writeCityscapesFixture(root, { splits: ['train'] });
    expect(() => openCityscapes(root, { split: 'val' })).toThrow(/leftImg8bit\/val: missing folder/);
  });

  it('out-of-range labelId 40 is counted by check() and fatal with validate=full', () => {
    const root = fresh('range');
    const m = writeCityscapesFixture(root, { broken: ['out-of-range-id'] });
    expect(checkCityscapes(root).problems).toEqual([{ path: m.broken[0].path, message: '2 pixels with label ids outside 0..33 (ids 40); read as ignore (255)' }]);
    expect(() => openCityscapes(root, { validate: 'full' })).toThrow(/ids outside 0\.\.33/);
  });
});
