/**
 * GTA5 (Richter et al. 2016) in its released layout (SPEC §5):
 * `images/NNNNN.png` and `labels/NNNNN.png`, labels 8-bit palette PNGs whose
 * indices are Cityscapes labelIds (mapped with the Cityscapes table). 24,966
 * pairs, mostly 1914×1052; a few pairs differ in size between image and
 * label — open with `sizeMismatch: 'skip'` to leave them out with a warning.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  checkTree,
  cityscapesLut,
  CITYSCAPES_MAX_LABEL_ID,
  listFiles,
  openTree,
  pairByKey,
  requireFolder,
  type CheckOptions,
  type CheckReport,
  type OpenOptions,
  type TreeDataset,
  type TreeListing,
  type TreeProblem,
} from '@semadapt/data-core';

/** Name used in reports. */
export const GTA5_DATASET = 'gta5';
/** The single split of the released set (all pairs; restrict with a split list). */
export const GTA5_SPLIT = 'all';
/** Pairs in the full release (SPEC §5). */
export const GTA5_PAIRS = 24966;

/** Lists the GTA5 tree under `root` into pairs and problems. */
export function listGta5(root: string): TreeListing {
  const abs = path.resolve(root);
  const problems: TreeProblem[] = [];
  const imageDir = path.join(abs, 'images');
  const labelDir = path.join(abs, 'labels');
  const haveRoot = requireFolder(abs, problems, 'GTA5 root');
  const haveImages = haveRoot && requireFolder(imageDir, problems, 'GTA5 images/');
  const haveLabels = haveRoot && requireFolder(labelDir, problems, 'GTA5 labels/');
  const images = new Map<string, { abs: string; name: string }>();
  const labels = new Map<string, string>();
  if (haveImages) for (const f of listFiles(imageDir, '.png')) images.set(f, { abs: path.join(imageDir, f), name: `images/${f}` });
  if (haveLabels) for (const f of listFiles(labelDir, '.png')) labels.set(f, path.join(labelDir, f));
  const pairs =
    haveImages && haveLabels
      ? pairByKey(GTA5_SPLIT, images, labels, (k) => path.join(labelDir, k), (k) => path.join(imageDir, k), problems)
      : [];
  return { dataset: GTA5_DATASET, root: abs, pairs, problems, splitNames: [GTA5_SPLIT], lut: cityscapesLut(), maxId: CITYSCAPES_MAX_LABEL_ID };
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
