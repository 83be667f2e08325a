/**
 * The 19 Cityscapes trainIds and the Cityscapes labelId → trainId table
 * (SPEC §5). GTA5 labels use the same labelIds, so the table lives here where
 * both readers can import it (dataset packages may not import each other).
 */
import { writePngAtomic } from '../codec/png';
import type { LabelMap } from '../image/image';
import { buildLut } from '../transform/remap';

/** Number of evaluated classes. */
export const NUM_TRAIN_IDS = 19;

/** trainId → class name (SPEC §5). */
export const TRAIN_ID_NAMES: readonly string[] = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain',
  'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
];

/** Cityscapes labelId → trainId (SPEC §5); every other labelId is 255. */
export const CITYSCAPES_LABEL_TO_TRAIN_ID: Readonly<Record<number, number>> = {
  7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
  23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
};

/** Largest Cityscapes labelId (33 bicycle); ids above it do not exist in labelIds PNGs. */
export const CITYSCAPES_MAX_LABEL_ID = 33;

/** 256-entry lookup table from {@link CITYSCAPES_LABEL_TO_TRAIN_ID}. */
export function cityscapesLut(): Uint8Array {
  return buildLut(CITYSCAPES_LABEL_TO_TRAIN_ID, 256);
}

/** trainIds of the 16 SYNTHIA classes (SPEC §6 mIoU16): all but terrain, truck, train. */
export const CLASSES_16: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18];
/** trainIds of the 13 classes (SPEC §6 mIoU13): CLASSES_16 without wall, fence, pole. */
export const CLASSES_13: readonly number[] = [0, 1, 2, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18];

/**
 * Lookup table restricting trainIds to `subset`: kept classes keep their
 * trainId (evaluation stays on the 19-class index), the others become 255.
 */
export function subsetLut(subset: readonly number[]): Uint8Array {
  const lut = new Uint8Array(256).fill(255);
  for (const id of subset) {
    if (!Number.isInteger(id) || id < 0 || id >= NUM_TRAIN_IDS) throw new RangeError(`subsetLut: trainId ${id} outside 0..18`);
    lut[id] = id;
  }
  return lut;
}

/** Standard Cityscapes colours per trainId (for colourised predictions). */
export const TRAIN_ID_COLORS: readonly (readonly [number, number, number])[] = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153], [250, 170, 30],
  [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142],
  [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** Cityscapes colours per labelId 0..33 (the palette GTA5 label PNGs carry). */
export const LABEL_ID_COLORS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [111, 74, 0], [81, 0, 81], [128, 64, 128], [244, 35, 232],
  [250, 170, 160], [230, 150, 140], [70, 70, 70], [102, 102, 156], [190, 153, 153], [180, 165, 180], [150, 100, 100],
  [150, 120, 90], [153, 153, 153], [153, 153, 153], [250, 170, 30], [220, 220, 0], [107, 142, 35], [152, 251, 152],
  [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142], [0, 0, 70], [0, 60, 100], [0, 0, 90], [0, 0, 110],
  [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** 256-entry RGB palette (768 bytes) for trainId maps: the 19 colours, 255 (ignore) and the rest black. */
export function trainIdPalette(): Uint8Array {
  const p = new Uint8Array(768);
  TRAIN_ID_COLORS.forEach((c, i) => p.set(c, 3 * i));
  return p;
}

/** 256-entry RGB palette for labelId maps (GTA5 style): colours for 0..33, black beyond. */
export function labelIdPalette(): Uint8Array {
  const p = new Uint8Array(768);
  LABEL_ID_COLORS.forEach((c, i) => p.set(c, 3 * i));
  return p;
}

/** Writes a trainId map as a palette PNG coloured with {@link TRAIN_ID_COLORS} (indices stay the trainIds). */
export function writeTrainIdPng(file: string, label: LabelMap): void {
  if (label.channels !== 1) throw new RangeError(`writeTrainIdPng: needs a one-channel label map, got ${label.channels} channels`);
  writePngAtomic(file, { width: label.width, height: label.height, channels: 1, data: label.data, palette: trainIdPalette() });
}
