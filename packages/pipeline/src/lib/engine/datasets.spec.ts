/**
 * `data.source.classes` (19 | 16) decides SYNTHIA's training labels: with 19
 * every SPEC §5 id keeps its trainId; with 16 terrain (9), truck (14) and
 * train (16) become 255 — checked pixel by pixel against the fixture's ids
 * mapped by SPEC §5's table written out here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeCityscapesFixture, writeSynthiaFixture } from '@semadapt/data-core/testing';
import { validateRunConfig } from '../config/run-config';
import { Datasets } from './datasets';

// SPEC §5: SYNTHIA id → trainId (255 for ids outside the table).
const SPEC5: Record<number, number> = { 3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 16: 9, 1: 10, 10: 11, 17: 12, 8: 13, 18: 14, 19: 15, 20: 16, 12: 17, 11: 18 };

describe('Datasets: SYNTHIA label set from data.source.classes', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-synthia-classes-'));
  const synthia = path.join(root, 'synthia');
  const manifest = writeSynthiaFixture(synthia, { count: 2 });
  writeCityscapesFixture(path.join(root, 'cityscapes'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const config = (classes?: 19 | 16) =>
    validateRunConfig({ data: { source: { dataset: 'synthia', root: synthia, ...(classes ? { classes } : {}) }, target: { dataset: 'cityscapes', root: path.join(root, 'cityscapes') } } });

  for (const classes of [undefined, 16] as const) {
    it(`classes ${classes ?? '(default 19)'}`, async () => {
      const c = config(classes);
      expect(c.data.source.classes).toBe(classes ?? 19);
      const data = new Datasets(c.data);
      const sample = await data.sourceTrain.get(0);
      const pair = manifest.pairs.find((p) => p.image.endsWith(sample.name))!;
      const dropped = classes === 16 ? [9, 14, 16] : [];
      const expected = Array.from(pair.ids, (id: number) => (id in SPEC5 && !dropped.includes(SPEC5[id]) ? SPEC5[id] : 255));
      expect(Array.from(sample.label!.data)).toEqual(expected);
      expect(expected.some((t) => [9, 14, 16].includes(t)) || classes === 16).toBe(true);
    });
  }

  it('16 classes with GTA5 is refused', () => {
    expect(() => validateRunConfig({ data: { source: { dataset: 'gta5', root: 'x', classes: 16 }, target: { dataset: 'cityscapes', root: 'y' } } })).toThrow(
      /data\.source\.classes: the 16-class label set is SYNTHIA's; gta5 trains on 19/,
    );
  });
});
