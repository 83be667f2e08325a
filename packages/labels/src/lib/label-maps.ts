/**
 * Maps between label spaces as 256-entry lookup tables (index = label
 * value, entry = trainId or {@link IGNORE_LABEL}).
 */
import { IGNORE_LABEL, NUM_CLASSES } from './train-ids';

/** Cityscapes labelId → trainId (SPEC §5); every other labelId is 255. GTA5 labels use the same labelIds. */
export const CITYSCAPES_LABEL_TO_TRAIN_ID: Readonly<Record<number, number>> = {
  7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
  23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
};

/** Largest Cityscapes labelId (33 bicycle); ids above it do not exist in labelIds PNGs. */
export const CITYSCAPES_MAX_LABEL_ID = 33;

/**
 * Lookup table restricting trainIds to `subset`: kept classes keep their
 * trainId (evaluation stays on the 19-class index), the others become 255.
 */
export function subsetLut(subset: readonly number[]): Uint8Array {
  const lut = new Uint8Array(256).fill(IGNORE_LABEL);
  for (const id of subset) {
    if (!Number.isInteger(id) || id < 0 || id >= NUM_CLASSES) throw new RangeError(`subsetLut: trainId ${id} outside 0..${NUM_CLASSES - 1}`);
    lut[id] = id;
  }
  return lut;
}
