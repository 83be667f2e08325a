/**
 * SYNTHIA-RAND-CITYSCAPES in its released layout (SPEC §5): `RGB/NNNNNNN.png`
 * (1280×760) and `GT/LABELS/NNNNNNN.png`, labels 16-bit PNGs with the class id
 * in the first channel (read at 16 bits: an 8-bit decode would lose nothing
 * here only by luck, and sharp's default silently zeroes them). 9,400 pairs.
 * Class ids 0..22; the id → trainId table is SPEC §5's.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  buildLut,
  checkTree,
  listFlatPairs,
  openTree,
  type CheckOptions,
  type CheckReport,
  type ClassSet,
  type OpenOptions,
  type TreeDataset,
  type TreeListing,
} from '@semadapt/data-core';

/** Name used in reports. */
export const SYNTHIA_DATASET = 'synthia';
/** The single split of the release. */
export const SYNTHIA_SPLIT = 'all';
/** Pairs in the full release (SPEC §5). */
export const SYNTHIA_PAIRS = 9400;
/** Largest SYNTHIA class id (22 lanemarking). */
export const SYNTHIA_MAX_ID = 22;

/** SYNTHIA class id → trainId (SPEC §5); every other id is 255. */
export const SYNTHIA_TO_TRAIN_ID: Readonly<Record<number, number>> = {
  3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 16: 9,
  1: 10, 10: 11, 17: 12, 8: 13, 18: 14, 19: 15, 20: 16, 12: 17, 11: 18,
};

/** 65536-entry table (labels are 16-bit) from {@link SYNTHIA_TO_TRAIN_ID}. */
export function synthiaLut(): Uint8Array {
  return buildLut(SYNTHIA_TO_TRAIN_ID, 65536);
}

/**
 * Default class set for SYNTHIA: all 19 (SPEC §5 and BDL's `synthia_dataset.py`
 * map 19). 16 (terrain, truck, train → 255) and 13 are options; the paper's
 * 16/13-class numbers are means over the 19-class evaluation (SPEC §6).
 */
export const SYNTHIA_DEFAULT_CLASSES: ClassSet = 19;

/** Lists the SYNTHIA tree under `root` into pairs and problems. */
export function listSynthia(root: string): TreeListing {
  return listFlatPairs(root, {
    dataset: SYNTHIA_DATASET,
    displayName: 'SYNTHIA',
    split: SYNTHIA_SPLIT,
    imageDir: ['RGB'],
    labelDir: ['GT', 'LABELS'],
    lut: synthiaLut(),
    maxId: SYNTHIA_MAX_ID,
  });
}

/** Opens SYNTHIA at `root` (classes default 19). Throws `DatasetTreeError` naming every problem. */
export function openSynthia(root: string, options: OpenOptions = {}): TreeDataset {
  return openTree(listSynthia(root), { classes: SYNTHIA_DEFAULT_CLASSES, ...options });
}

/** Full check for `data check --json` (classes default 19). */
export function checkSynthia(root: string, options: CheckOptions = {}): CheckReport {
  return checkTree(listSynthia(root), { classes: SYNTHIA_DEFAULT_CLASSES, ...options });
}

/** True when `root` looks like a SYNTHIA tree (has RGB/ and GT/LABELS/). */
export function isSynthiaRoot(root: string): boolean {
  return fs.existsSync(path.join(root, 'RGB')) && fs.existsSync(path.join(root, 'GT', 'LABELS'));
}
