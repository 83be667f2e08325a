/** The Cityscapes colours (cityscapesScripts `labels.py`) for drawing label maps. */

/** RGB colour per trainId 0..18. */
export const TRAIN_ID_COLORS: readonly (readonly [number, number, number])[] = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153], [250, 170, 30],
  [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142],
  [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** RGB colour per Cityscapes labelId 0..33 (the palette GTA5 label PNGs carry). */
export const LABEL_ID_COLORS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [111, 74, 0], [81, 0, 81], [128, 64, 128], [244, 35, 232],
  [250, 170, 160], [230, 150, 140], [70, 70, 70], [102, 102, 156], [190, 153, 153], [180, 165, 180], [150, 100, 100],
  [150, 120, 90], [153, 153, 153], [153, 153, 153], [250, 170, 30], [220, 220, 0], [107, 142, 35], [152, 251, 152],
  [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142], [0, 0, 70], [0, 60, 100], [0, 0, 90], [0, 0, 110],
  [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

function palette256(colors: readonly (readonly [number, number, number])[]): Uint8Array {
  const p = new Uint8Array(768);
  colors.forEach((c, i) => p.set(c, 3 * i));
  return p;
}

/** 256-entry RGB palette (768 bytes) for trainId PNGs: the 19 colours, 255 (ignore) and the rest black. */
export function trainIdPalette(): Uint8Array {
  return palette256(TRAIN_ID_COLORS);
}

/** 256-entry RGB palette for labelId PNGs (GTA5 style): colours for 0..33, black beyond. */
export function labelIdPalette(): Uint8Array {
  return palette256(LABEL_ID_COLORS);
}

/** Colours a trainId map as interleaved RGB bytes; 255 and unknown ids are black. */
export function colorizeTrainIds(ids: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(ids.length * 3);
  for (let i = 0; i < ids.length; i++) {
    const c = TRAIN_ID_COLORS[ids[i]];
    if (!c) continue;
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}
