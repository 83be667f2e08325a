import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decode as fastPngDecode } from 'fast-png';
import { IGNORE_LABEL } from '@semadapt/labels';
import { IGNORE_ID } from '../transform/remap';
import { cityscapesLut, writeTrainIdPng } from './train-ids';

describe('trainId tables', () => {
  it('cityscapesLut: SPEC §5 pairs by hand, 255 elsewhere', () => {
    const lut = cityscapesLut();
    const pairs: Array<[number, number]> = [[7, 0], [8, 1], [11, 2], [12, 3], [13, 4], [17, 5], [19, 6], [20, 7], [21, 8], [22, 9], [23, 10], [24, 11], [25, 12], [26, 13], [27, 14], [28, 15], [31, 16], [32, 17], [33, 18]];
    const expected = new Array(256).fill(255);
    for (const [id, t] of pairs) expected[id] = t;
    expect(Array.from(lut)).toEqual(expected);
  });

  it("remap's IGNORE_ID (restated for the decode workers) is the label space's IGNORE_LABEL", () => {
    expect(IGNORE_ID).toBe(IGNORE_LABEL);
  });

  it('writeTrainIdPng writes a palette PNG: fast-png reads the trainIds back as indices, road colour (128, 64, 128)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-trainid-'));
    const f = path.join(dir, 'pred.png');
    writeTrainIdPng(f, { width: 3, height: 1, channels: 1, data: Uint8Array.from([0, 18, 255]) });
    const png = fastPngDecode(fs.readFileSync(f));
    expect(Array.from(png.data)).toEqual([0, 18, 255]);
    expect(png.palette?.[0]).toEqual([128, 64, 128]);
    expect(png.palette?.[18]).toEqual([119, 11, 32]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
