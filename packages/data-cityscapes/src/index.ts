/** Public API of @semadapt/data-cityscapes. */
export * from './lib/cityscapes/cityscapes';
export { CITYSCAPES_LABEL_TO_TRAIN_ID, cityscapesLut, TRAIN_ID_NAMES } from '@semadapt/data-core';
