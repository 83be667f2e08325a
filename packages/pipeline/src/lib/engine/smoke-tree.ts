/**
 * The dataset tree of `semadapt smoke`: a few street-like images in each real
 * layout at each dataset's real size (SPEC §5), so every stage of a paper
 * preset meets the resolution it meets on the real data:
 *
 *   gta5/images/NNNNN.png, gta5/labels/NNNNN.png            1914×1052, 8-bit palette labelIds
 *   synthia/RGB/NNNNNNN.png, synthia/GT/LABELS/NNNNNNN.png  1280×760, 16-bit, class id in channel 0
 *   cityscapes/leftImg8bit/{train,val}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
 *   cityscapes/gtFine/{train,val}/<city>/<...>_gtFine_labelIds.png     2048×1024, 8-bit gray labelIds
 *
 * Images and labels are data-core's synthetic street scene (sky, facades,
 * road, cars). Files are written atomically and a complete file is never
 * rewritten, so a second smoke run reuses the tree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { syntheticStreetLabel, syntheticStreetRgb, writePngAtomic } from '@semadapt/data-core';
import { labelIdPalette } from '@semadapt/labels';

/** Image size (width × height) of each dataset as released. */
export const REAL_SIZES = {
  gta5: [1914, 1052],
  synthia: [1280, 760],
  cityscapes: [2048, 1024],
} as const satisfies Record<string, readonly [number, number]>;

/** Cityscapes labelId → SYNTHIA class id for the ids the synthetic scene paints (sky, building, road, car). */
const LABEL_ID_TO_SYNTHIA: Record<number, number> = { 23: 1, 11: 2, 7: 3, 26: 8 };

/** Images per set: source, target train, target val. */
export interface SmokeCounts {
  source: number;
  targetTrain: number;
  targetVal: number;
}

function writeOnce(file: string, write: () => void): void {
  if (fs.existsSync(file)) return;
  write();
}

function writeGta5(root: string, count: number): void {
  const [w, h] = REAL_SIZES.gta5;
  for (let k = 0; k < count; k++) {
    const n = String(k + 1).padStart(5, '0');
    writeOnce(path.join(root, 'images', `${n}.png`), () =>
      writePngAtomic(path.join(root, 'images', `${n}.png`), { width: w, height: h, channels: 3, data: syntheticStreetRgb(w, h, k) }));
    writeOnce(path.join(root, 'labels', `${n}.png`), () =>
      writePngAtomic(path.join(root, 'labels', `${n}.png`), { width: w, height: h, channels: 1, data: syntheticStreetLabel(w, h, k), palette: labelIdPalette() }));
  }
}

function writeSynthia(root: string, count: number): void {
  const [w, h] = REAL_SIZES.synthia;
  for (let k = 0; k < count; k++) {
    const n = String(k).padStart(7, '0');
    writeOnce(path.join(root, 'RGB', `${n}.png`), () =>
      writePngAtomic(path.join(root, 'RGB', `${n}.png`), { width: w, height: h, channels: 3, data: syntheticStreetRgb(w, h, k) }));
    writeOnce(path.join(root, 'GT', 'LABELS', `${n}.png`), () => {
      const ids = syntheticStreetLabel(w, h, k);
      const data = new Uint16Array(w * h * 3);
      for (let i = 0; i < w * h; i++) {
        data[3 * i] = LABEL_ID_TO_SYNTHIA[ids[i]] ?? 0;
        data[3 * i + 1] = i & 0xffff; // SYNTHIA's second channel holds instance-like ids.
      }
      writePngAtomic(path.join(root, 'GT', 'LABELS', `${n}.png`), { width: w, height: h, channels: 3, data });
    });
  }
}

function writeCityscapes(root: string, counts: { train: number; val: number }): void {
  const [w, h] = REAL_SIZES.cityscapes;
  let k = 0;
  for (const [split, city, count] of [['train', 'aachen', counts.train], ['val', 'frankfurt', counts.val]] as const) {
    for (let i = 0; i < count; i++, k++) {
      const stem = `${city}_000000_${String(19 + i).padStart(6, '0')}`;
      const image = path.join(root, 'leftImg8bit', split, city, `${stem}_leftImg8bit.png`);
      const label = path.join(root, 'gtFine', split, city, `${stem}_gtFine_labelIds.png`);
      writeOnce(image, () => writePngAtomic(image, { width: w, height: h, channels: 3, data: syntheticStreetRgb(w, h, 100 + k) }));
      writeOnce(label, () => writePngAtomic(label, { width: w, height: h, channels: 1, data: syntheticStreetLabel(w, h, 100 + k) }));
    }
  }
}

/**
 * Writes (or completes) the smoke tree for one source dataset under `root`;
 * returns the two dataset roots.
 */
export function writeSmokeTree(root: string, source: 'gta5' | 'synthia', counts: SmokeCounts): { source: string; target: string } {
  const sourceRoot = path.join(root, source);
  const targetRoot = path.join(root, 'cityscapes');
  if (source === 'gta5') writeGta5(sourceRoot, counts.source);
  else writeSynthia(sourceRoot, counts.source);
  writeCityscapes(targetRoot, { train: counts.targetTrain, val: counts.targetVal });
  return { source: sourceRoot, target: targetRoot };
}
