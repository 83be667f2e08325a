/**
 * Label ids outside the data set's map (GTA5: above 33) when training loads
 * a sample: read as ignore and counted (so the trainer can warn, once per
 * file), or — with `strictLabelIds` — refused with the file named.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeGta5Fixture } from '@semadapt/data-core/testing';
import { openGta5 } from './gta5';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-gta5-ids-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('GTA5 label ids outside 0..33 at load time', () => {
  it('default: read as ignore (255) and counted on the sample', async () => {
    const m = writeGta5Fixture(dir, { count: 3, broken: ['out-of-range-id'] });
    const ds = openGta5(dir);
    const index = ds.pairs.findIndex((p) => p.label === m.broken[0].path);
    const s = await ds.get(index);
    // The fixture paints id 40 on 2 pixels of that label.
    expect(s.outOfRangeIds).toBe(2);
    const other = await ds.get((index + 1) % ds.length);
    expect(other.outOfRangeIds).toBeUndefined();
  });

  it('strictLabelIds: the sample is refused, naming the label file and the ids', async () => {
    const m = writeGta5Fixture(dir, { count: 3, broken: ['out-of-range-id'] });
    const ds = openGta5(dir, { strictLabelIds: true });
    const index = ds.pairs.findIndex((p) => p.label === m.broken[0].path);
    await expect(ds.get(index)).rejects.toThrow(`${m.broken[0].path}: 2 pixels with label ids outside 0..33 (ids 40); refused (strict label ids)`);
    // The same with another pipeline (what training uses).
    await expect(ds.withPipeline({}).get(index)).rejects.toThrow(/refused \(strict label ids\)/);
  });
});
