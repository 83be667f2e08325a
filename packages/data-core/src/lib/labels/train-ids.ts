/**
 * Label-space helpers that need data-core's codecs and transforms; the label
 * space itself (trainIds, names, colours, class sets, labelId → trainId map)
 * is @semadapt/labels.
 */
import { CITYSCAPES_LABEL_TO_TRAIN_ID, trainIdPalette } from '@semadapt/labels';
import { writePngAtomic } from '../codec/png';
import type { LabelMap } from '../image/image';
import { buildLut } from '../transform/remap';

/** 256-entry Cityscapes (and GTA5) labelId → trainId lookup table; other labelIds → 255. */
export function cityscapesLut(): Uint8Array {
  return buildLut(CITYSCAPES_LABEL_TO_TRAIN_ID, 256);
}

/** Writes a trainId map as a palette PNG coloured with the Cityscapes trainId colours (indices stay the trainIds). */
export function writeTrainIdPng(file: string, label: LabelMap): void {
  if (label.channels !== 1) throw new RangeError(`writeTrainIdPng: needs a one-channel label map, got ${label.channels} channels`);
  writePngAtomic(file, { width: label.width, height: label.height, channels: 1, data: label.data, palette: trainIdPalette() });
}
