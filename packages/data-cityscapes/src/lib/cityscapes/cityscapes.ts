/**
 * Cityscapes in its released layout (SPEC §5):
 * `leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png` (2048×1024)
 * with `gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png`
 * (8-bit gray labelIds 0..33, mapped to trainIds with SPEC §5's table).
 * train 2975, val 500 (test labels are all void in the release).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CITYSCAPES_MAX_LABEL_ID } from '@semadapt/labels';
import {
  checkTree,
  cityscapesLut,
  listFiles,
  openTree,
  pairByKey,
  requireFolder,
  type CheckOptions,
  type CheckReport,
  type OpenOptions,
  type PairRecord,
  type TreeDataset,
  type TreeListing,
  type TreeProblem,
} from '@semadapt/data-core';

/** Name used in reports. */
export const CITYSCAPES_DATASET = 'cityscapes';
/** Released splits. */
export const CITYSCAPES_SPLITS = ['train', 'val', 'test'] as const;
/** A Cityscapes split. */
export type CityscapesSplit = (typeof CITYSCAPES_SPLITS)[number];
/** Pairs per split in the release (SPEC §5). */
export const CITYSCAPES_SIZES: Readonly<Record<'train' | 'val', number>> = { train: 2975, val: 500 };

const IMAGE_SUFFIX = '_leftImg8bit.png';
const LABEL_SUFFIX = '_gtFine_labelIds.png';

/** Lists splits of the Cityscapes tree under `root` (default: those present in leftImg8bit/, else train and val). */
export function listCityscapes(root: string, splits?: readonly CityscapesSplit[]): TreeListing {
  const abs = path.resolve(root);
  const problems: TreeProblem[] = [];
  const imageRoot = path.join(abs, 'leftImg8bit');
  const labelRoot = path.join(abs, 'gtFine');
  const haveRoot = requireFolder(abs, problems, 'Cityscapes root');
  const haveImages = haveRoot && requireFolder(imageRoot, problems, 'Cityscapes leftImg8bit/');
  const haveLabels = haveRoot && requireFolder(labelRoot, problems, 'Cityscapes gtFine/');
  let wanted: CityscapesSplit[];
  if (splits) wanted = [...splits];
  else if (haveImages) {
    wanted = CITYSCAPES_SPLITS.filter((s) => fs.existsSync(path.join(imageRoot, s)));
    if (wanted.length === 0) wanted = ['train', 'val'];
  } else wanted = ['train', 'val'];
  const pairs: PairRecord[] = [];
  if (haveImages && haveLabels) {
    for (const split of wanted) {
      const imageDir = path.join(imageRoot, split);
      const labelDir = path.join(labelRoot, split);
      const okImages = requireFolder(imageDir, problems, `Cityscapes ${split} images`);
      const okLabels = requireFolder(labelDir, problems, `Cityscapes ${split} labels`);
      if (!okImages || !okLabels) continue;
      const images = new Map<string, { abs: string; name: string }>();
      const labels = new Map<string, string>();
      for (const f of listFiles(imageDir, IMAGE_SUFFIX)) {
        images.set(f.slice(0, -IMAGE_SUFFIX.length), { abs: path.join(imageDir, f), name: `leftImg8bit/${split}/${f}` });
      }
      for (const f of listFiles(labelDir, LABEL_SUFFIX)) labels.set(f.slice(0, -LABEL_SUFFIX.length), path.join(labelDir, f));
      pairs.push(
        ...pairByKey(
          split,
          images,
          labels,
          (k) => path.join(labelDir, k + LABEL_SUFFIX),
          (k) => path.join(imageDir, k + IMAGE_SUFFIX),
          problems,
        ),
      );
    }
  }
  return { dataset: CITYSCAPES_DATASET, root: abs, pairs, problems, splitNames: wanted, lut: cityscapesLut(), maxId: CITYSCAPES_MAX_LABEL_ID };
}

/** Options of {@link openCityscapes}. */
export interface CityscapesOpenOptions extends OpenOptions {
  /** The split to open. Default 'train'. */
  readonly split?: CityscapesSplit;
}

/** Opens one split of Cityscapes at `root`. Throws `DatasetTreeError` naming every problem. */
export function openCityscapes(root: string, options: CityscapesOpenOptions = {}): TreeDataset {
  const split = options.split ?? 'train';
  if (!CITYSCAPES_SPLITS.includes(split)) throw new RangeError(`openCityscapes: split must be one of ${CITYSCAPES_SPLITS.join(', ')}, got '${split}'`);
  return openTree(listCityscapes(root, [split]), options);
}

/** Full check for `data check --json` over the splits present (default) or those given. */
export function checkCityscapes(
  root: string,
  options: CheckOptions & { splits?: readonly CityscapesSplit[] } = {},
): CheckReport {
  return checkTree(listCityscapes(root, options.splits), options);
}

/** True when `root` looks like a Cityscapes tree (has leftImg8bit/ and gtFine/). */
export function isCityscapesRoot(root: string): boolean {
  return fs.existsSync(path.join(root, 'leftImg8bit')) && fs.existsSync(path.join(root, 'gtFine'));
}
