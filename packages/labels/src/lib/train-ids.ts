/**
 * The evaluated label space (SPEC §1, §5, §6): the 19 Cityscapes trainIds,
 * their names, the ignore label, and the 16/13-class subsets SYNTHIA papers
 * report. Every package that reads, trains on, scores or draws labels takes
 * these from here.
 */

/** Number of Cityscapes train classes (SPEC §1). */
export const NUM_CLASSES = 19;

/** The ignore label (SPEC §1): never trained on, never scored. */
export const IGNORE_LABEL = 255;

/** trainId → class name (cityscapesScripts `labels.py`, SPEC §5). */
export const CLASS_NAMES: readonly string[] = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain',
  'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
];

/** trainId → short name, as the paper's tables head their columns. */
export const CLASS_SHORT_NAMES: readonly string[] = [
  'road', 'sidew', 'build', 'wall', 'fence', 'pole', 'light', 'sign', 'veg', 'terr',
  'sky', 'pers', 'rider', 'car', 'truck', 'bus', 'train', 'mbike', 'bike',
];

/** All 19 trainIds (SPEC §6 mIoU19). */
export const CLASSES_19: readonly number[] = Array.from({ length: NUM_CLASSES }, (_, i) => i);

/** trainIds of the 16 classes shared with SYNTHIA (SPEC §6 mIoU16): all but terrain 9, truck 14, train 16. */
export const CLASSES_16: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18];

/** trainIds of the 13-class subset (SPEC §6 mIoU13): CLASSES_16 without wall 3, fence 4, pole 5. */
export const CLASSES_13: readonly number[] = [0, 1, 2, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18];

/** A map of trainIds: row-major, `width × height` values (0..18 or {@link IGNORE_LABEL}). */
export interface TrainIdMap {
  data: ArrayLike<number>;
  width: number;
  height: number;
}
