import {
  CITYSCAPES_LABEL_TO_TRAIN_ID,
  CLASS_NAMES,
  CLASS_SHORT_NAMES,
  CLASSES_13,
  CLASSES_16,
  CLASSES_19,
  colorizeTrainIds,
  LABEL_ID_COLORS,
  labelIdPalette,
  NUM_CLASSES,
  subsetLut,
  TRAIN_ID_COLORS,
  trainIdPalette,
} from '../index';

describe('label space', () => {
  it('19 classes, each with a name, a short name and a colour', () => {
    expect(NUM_CLASSES).toBe(19);
    expect(CLASS_NAMES).toHaveLength(19);
    expect(CLASS_SHORT_NAMES).toHaveLength(19);
    expect(TRAIN_ID_COLORS).toHaveLength(19);
    expect(CLASSES_19).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect([CLASS_NAMES[0], CLASS_NAMES[13], CLASS_NAMES[18]]).toEqual(['road', 'car', 'bicycle']);
  });

  it('SPEC §6 subsets: 16 = all but terrain, truck, train; 13 = 16 minus wall, fence, pole', () => {
    const without = (xs: readonly number[], drop: number[]): number[] => xs.filter((x) => !drop.includes(x));
    expect(CLASSES_16).toEqual(without(CLASSES_19, [9, 14, 16]));
    expect(CLASSES_13).toEqual(without(CLASSES_16, [3, 4, 5]));
    expect(Array.from(subsetLut(CLASSES_13).slice(0, 19))).toEqual([0, 1, 2, 255, 255, 255, 6, 7, 8, 255, 10, 11, 12, 13, 255, 15, 255, 17, 18]);
    expect(subsetLut(CLASSES_13)[255]).toBe(255);
    expect(() => subsetLut([19])).toThrow(/trainId 19 outside 0..18/);
  });

  it('labelId colours agree with trainId colours through the labelId → trainId map', () => {
    const pairs = Object.entries(CITYSCAPES_LABEL_TO_TRAIN_ID);
    expect(pairs).toHaveLength(19);
    for (const [labelId, trainId] of pairs) expect(LABEL_ID_COLORS[Number(labelId)]).toEqual(TRAIN_ID_COLORS[trainId]);
  });

  it('palettes are 256 RGB entries, black past the defined ids', () => {
    const t = trainIdPalette();
    const l = labelIdPalette();
    expect(t).toHaveLength(768);
    expect(Array.from(t.slice(3 * 13, 3 * 14))).toEqual([0, 0, 142]);
    expect(Array.from(t.slice(3 * 19))).toEqual(new Array(768 - 57).fill(0));
    expect(Array.from(l.slice(3 * 7, 3 * 8))).toEqual([128, 64, 128]);
    expect(Array.from(l.slice(3 * 34))).toEqual(new Array(768 - 102).fill(0));
  });

  it('colorizeTrainIds: car (13) → (0, 0, 142), ignore 255 → black, road → (128, 64, 128) (cityscapesScripts labels.py)', () => {
    expect(Array.from(colorizeTrainIds([13, 255, 0]))).toEqual([0, 0, 142, 0, 0, 0, 128, 64, 128]);
  });
});
