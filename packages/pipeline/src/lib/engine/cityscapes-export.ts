/**
 * Predictions in the form the official Cityscapes evaluation scripts
 * (cityscapesScripts `evalPixelLevelSemanticLabeling.py`) read: one 8-bit PNG
 * of *labelIds* (not trainIds) per image, whose file name contains
 * `<city>_<seq>_<frame>`; we keep the image's own name,
 * `<city>_<seq>_<frame>_leftImg8bit.png`, flattened into one folder.
 */
import * as path from 'path';

/** trainId → Cityscapes labelId (SPEC §5 table, inverted); 255 → 0 ('unlabeled'). */
export const TRAIN_ID_TO_LABEL_ID: readonly number[] = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33];

export function trainIdsToLabelIds(ids: Uint8Array): Uint8Array {
  const out = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = TRAIN_ID_TO_LABEL_ID[ids[i]] ?? 0;
  return out;
}

/**
 * The prediction file name for a Cityscapes image name (e.g.
 * `frankfurt/frankfurt_000000_000294_leftImg8bit.png`): its basename, which
 * the official scripts match by the `<city>_<seq>_<frame>` prefix.
 */
export function cityscapesPredictionName(name: string): string {
  const base = path.basename(name).replace(/\.(png|jpe?g)$/i, '');
  if (!/^[a-z]+(_[a-z]+)*_\d{6}_\d{6}/i.test(base)) {
    throw new Error(`--export-cityscapes: '${name}' is not named <city>_<seq>_<frame>_leftImg8bit; the official scripts could not match it`);
  }
  return `${base.endsWith('_leftImg8bit') ? base : `${base}_leftImg8bit`}.png`;
}
