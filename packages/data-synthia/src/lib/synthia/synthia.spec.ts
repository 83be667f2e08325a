import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { DatasetTreeError } from '@semadapt/data-core';
import { useTempRoot, writeSynthiaFixture, type BrokenVariant } from '@semadapt/data-core/testing';
import { checkSynthia, openSynthia, SYNTHIA_TO_TRAIN_ID } from './synthia';

/**
 * SYNTHIA id → trainId written out from SPEC §5 by hand (index = id 0..22):
 * 3→0 4→1 2→2 21→3 5→4 7→5 15→6 9→7 6→8 16→9 1→10 10→11 17→12 8→13 18→14
 * 19→15 20→16 12→17 11→18; 0 (void), 13, 14, 22 → 255.
 */
const X = 255;
const SPEC_TABLE = [X, 10, 2, 0, 1, 4, 8, 5, 13, 7, 11, 18, 17, X, X, 6, 9, 12, 14, 15, 16, 3, X];
/** The 16-class set drops terrain (9), truck (14), train (16) (SPEC §6). */
const SPEC_TABLE_16 = SPEC_TABLE.map((t) => ([9, 14, 16].includes(t) ? X : t));

const fresh = useTempRoot('semadapt-synthia-');

describe('SYNTHIA-RAND-CITYSCAPES reader (RGB/NNNNNNN.png, GT/LABELS/NNNNNNN.png 16-bit)', () => {
  it('the exported table is SPEC §5', () => {
    const fromExport = Array.from({ length: 23 }, (_, id) => SYNTHIA_TO_TRAIN_ID[id] ?? X);
    expect(fromExport).toEqual(SPEC_TABLE);
  });

  it('fixture labels really are 16-bit RGB with the id in channel 0 (IHDR and scanlines read by hand)', () => {
    const root = fresh('format');
    const m = writeSynthiaFixture(root, { count: 2, width: 23, height: 1, shift: 0 });
    const bytes = fs.readFileSync(m.pairs[0].label);
    // IHDR data starts at byte 16: width, height (uint32 BE), bit depth, colour type (2 = RGB).
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20), bytes[24], bytes[25]]).toEqual([23, 1, 16, 2]);
    // One scanline: filter byte + 23 pixels × 3 channels × 2 bytes. Inflate the IDAT and undo the filter by hand
    // (it is one row, so only None/Sub can matter: Up/Average/Paeth reduce to them when there is no row above).
    const idatLen = bytes.readUInt32BE(33);
    expect(bytes.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = zlib.inflateSync(bytes.subarray(41, 41 + idatLen));
    const filter = raw[0];
    const row = Buffer.from(raw.subarray(1));
    for (let i = 6; i < row.length; i++) {
      if (filter === 1 || filter === 4) row[i] = (row[i] + row[i - 6]) & 255;
      else if (filter === 3) row[i] = (row[i] + (row[i - 6] >> 1)) & 255;
    }
    expect(filter).toBeLessThanOrEqual(4);
    expect(Array.from({ length: 23 }, (_, i) => row.readUInt16BE(6 * i))).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('every id 0..22 reads back as its SPEC §5 trainId, all 19 by default; the 16- and 13-class sets on request', async () => {
    const root = fresh('map');
    writeSynthiaFixture(root, { count: 2, width: 23, height: 1, shift: 0 });
    const ds = openSynthia(root);
    expect(ds.name(0)).toBe('RGB/0000000.png');
    expect(Array.from((await ds.get(0)).label?.data ?? [])).toEqual(SPEC_TABLE);
    expect(Array.from((await openSynthia(root, { classes: 16 }).get(0)).label?.data ?? [])).toEqual(SPEC_TABLE_16);
    const t13 = SPEC_TABLE_16.map((t) => ([3, 4, 5].includes(t) ? X : t));
    expect(Array.from((await openSynthia(root, { classes: 13 }).get(0)).label?.data ?? [])).toEqual(t13);
  });

  it('ids ≥ 256 are not folded into 8 bits: 259 and 300 are out of range, not road (3) or 44', () => {
    const root = fresh('wide');
    writeSynthiaFixture(root, { count: 2, width: 4, height: 1, ids: [3, 259, 300, 1], shift: 0 });
    const r = checkSynthia(root, { classes: 19 });
    // Per label: road (3→0) 1 px, sky (1→10) 1 px; 2 px out of range → ignored.
    expect(r.trainIdPixels[0]).toBe(2);
    expect(r.trainIdPixels[10]).toBe(2);
    expect(r.ignoredPixels).toBe(4);
    expect(r.problems.map((p) => p.message)).toEqual([
      '2 pixels with label ids outside 0..22 (ids 259, 300); read as ignore (255)',
      '2 pixels with label ids outside 0..22 (ids 259, 300); read as ignore (255)',
    ]);
  });

  it('check() hand-counts pixels per trainId (classes 16) over 3 labels of 16×8', () => {
    const root = fresh('check');
    const m = writeSynthiaFixture(root, { count: 3 });
    const expected = new Array(19).fill(0);
    let ignored = 0;
    for (const p of m.pairs) {
      for (const id of p.ids) {
        if (SPEC_TABLE_16[id] === X) ignored++;
        else expected[SPEC_TABLE_16[id]]++;
      }
    }
    expect(checkSynthia(root, { classes: 16 })).toEqual({ dataset: 'synthia', root: path.resolve(root), splits: { all: 3 }, problems: [], trainIdPixels: expected, ignoredPixels: ignored });
  });

  const broken: Array<[BrokenVariant, RegExp]> = [
    ['missing-folder', /GT\/LABELS: missing folder/],
    ['missing-label', /RGB\/0000000\.png: image has no label \(expected .*GT\/LABELS\/0000000\.png\)/],
    ['missing-image', /GT\/LABELS\/0000001\.png: label has no image/],
    ['truncated-image', /RGB\/0000002\.png: truncated PNG/],
    ['truncated-label', /GT\/LABELS\/0000002\.png: truncated PNG/],
    ['size-mismatch', /GT\/LABELS\/0000000\.png: label is 18×8 but image .* is 16×8/],
  ];
  it.each(broken)('open fails on %s, naming the path', (variant, message) => {
    const root = fresh(`broken-${variant}`);
    const m = writeSynthiaFixture(root, { broken: [variant] });
    expect(() => openSynthia(root)).toThrow(DatasetTreeError);
    expect(() => openSynthia(root)).toThrow(message);
    expect(checkSynthia(root).problems.map((p) => p.path)).toContain(m.broken[0].path);
  });

  it('out-of-range id 300 (fixture variant) is reported by check() and fatal with validate=full', () => {
    const root = fresh('range');
    const m = writeSynthiaFixture(root, { broken: ['out-of-range-id'] });
    expect(checkSynthia(root).problems).toEqual([{ path: m.broken[0].path, message: '2 pixels with label ids outside 0..22 (ids 300); read as ignore (255)' }]);
    expect(() => openSynthia(root, { validate: 'full' })).toThrow(/0000001\.png: 2 pixels with label ids outside 0\.\.22/);
  });
});
