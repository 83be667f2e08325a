/**
 * labelId → trainId written out from SPEC §5 by hand (index = labelId 0..33):
 * 7→0 8→1 11→2 12→3 13→4 17→5 19→6 20→7 21→8 22→9 23→10 24→11 25→12 26→13
 * 27→14 28→15 31→16 32→17 33→18, everything else 255. The readers' specs
 * compare with it rather than with @semadapt/labels' own map.
 */
const X = 255;
export const SPEC_LABEL_ID_TO_TRAIN_ID: readonly number[] = [X, X, X, X, X, X, X, 0, 1, X, X, 2, 3, 4, X, X, X, 5, X, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, X, X, 16, 17, 18];
