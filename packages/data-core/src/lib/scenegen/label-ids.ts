/**
 * Cityscapes labelIds the demo benchmark draws (SPEC §5): the ones a street
 * scene needs, plus a few void ids (unlabeled, ego vehicle, static) that map
 * to trainId 255 exactly as in the real datasets.
 */
export const LabelId = {
  unlabeled: 0,
  egoVehicle: 1,
  static: 4,
  road: 7,
  sidewalk: 8,
  building: 11,
  wall: 12,
  fence: 13,
  pole: 17,
  trafficLight: 19,
  trafficSign: 20,
  vegetation: 21,
  terrain: 22,
  sky: 23,
  person: 24,
  car: 26,
  bicycle: 33,
} as const;

export type LabelId = (typeof LabelId)[keyof typeof LabelId];

/** Every labelId the generator may write, ascending. */
export const DEMO_LABEL_IDS: readonly number[] = Object.values(LabelId).sort((a, b) => a - b);

/**
 * The official Cityscapes colour of each labelId 0..33 (cityscapesScripts
 * `labels.py`), used as the palette of the GTA5-layout label PNGs, whose
 * indices are the labelIds (SPEC §5).
 */
export const CITYSCAPES_LABEL_PALETTE: readonly [number, number, number][] = [
  [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [111, 74, 0], [81, 0, 81],
  [128, 64, 128], [244, 35, 232], [250, 170, 160], [230, 150, 140], [70, 70, 70],
  [102, 102, 156], [190, 153, 153], [180, 165, 180], [150, 100, 100], [150, 120, 90],
  [153, 153, 153], [153, 153, 153], [250, 170, 30], [220, 220, 0], [107, 142, 35],
  [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142], [0, 0, 70],
  [0, 60, 100], [0, 0, 90], [0, 0, 110], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** labelId → trainId (SPEC §5); 255 for everything else. */
export function labelIdToTrainId(id: number): number {
  const table: Record<number, number> = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
    24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
  };
  return table[id] ?? 255;
}
