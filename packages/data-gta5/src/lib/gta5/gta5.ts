/**
 * GTA5 (Richter et al. 2016) in its released layout (SPEC §5):
 * `images/NNNNN.png` and `labels/NNNNN.png`, labels 8-bit palette PNGs whose
 * indices are Cityscapes labelIds (mapped with the Cityscapes table). 24,966
 * pairs, mostly 1914×1052; a few pairs differ in size between image and
 * label — open with `sizeMismatch: 'skip'` to leave them out with a warning.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CITYSCAPES_MAX_LABEL_ID } from '@semadapt/labels';
import {
  checkTree,
  cityscapesLut,
  listFlatPairs,
  openTree,
  type CheckOptions,
  type CheckReport,
  type OpenOptions,
  type TreeDataset,
  type TreeListing,
} from '@semadapt/data-core';

/** Name used in reports. */
export const GTA5_DATASET = 'gta5';
/** The single split of the released set (all pairs; restrict with a split list). */
export const GTA5_SPLIT = 'all';
/** Pairs in the full release (SPEC §5). */
export const GTA5_PAIRS = 24966;

/** Lists the GTA5 tree under `root` into pairs and problems. */
export function listGta5(root: string): TreeListing {
  return listFlatPairs(root, {
    dataset: GTA5_DATASET,
    displayName: 'GTA5',
    split: GTA5_SPLIT,
    imageDir: ['images'],
    labelDir: ['labels'],
    lut: cityscapesLut(),
    maxId: CITYSCAPES_MAX_LABEL_ID,
  });
}

/**
 * Opens GTA5 at `root`. Throws `DatasetTreeError` naming every problem
 * (missing folders, orphans, unreadable/truncated PNGs, size mismatches
 * unless skipped). Skipped pairs are in `dataset.warnings`.
 */
export function openGta5(root: string, options: OpenOptions = {}): TreeDataset {
  return openTree(listGta5(root), options);
}

/** Full check for `data check --json`: decodes every label. */
export function checkGta5(root: string, options: CheckOptions = {}): CheckReport {
  return checkTree(listGta5(root), options);
}

/** True when `root` looks like a GTA5 tree (has images/ and labels/). */
export function isGta5Root(root: string): boolean {
  return fs.existsSync(path.join(root, 'images')) && fs.existsSync(path.join(root, 'labels'));
}
