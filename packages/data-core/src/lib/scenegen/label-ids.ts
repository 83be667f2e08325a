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
