/**
 * The Cityscapes colour of each trainId (cityscapesScripts `labels.py`), used
 * to draw label maps in the report; 255 (ignore) is black.
 */
export const CITYSCAPES_PALETTE: readonly (readonly [number, number, number])[] = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153],
  [153, 153, 153], [250, 170, 30], [220, 220, 0], [107, 142, 35], [152, 251, 152],
  [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142], [0, 0, 70],
  [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** Colours a trainId map (255 and unknown ids black) as interleaved RGB bytes. */
export function colorizeTrainIds(ids: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(ids.length * 3);
  for (let i = 0; i < ids.length; i++) {
    const c = CITYSCAPES_PALETTE[ids[i]];
    if (!c) continue;
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}
