/**
 * The common second half of opening or checking a dataset: each reader lists
 * its layout into pairs and problems; this applies the split list, scans the
 * files, and either returns a dataset (throwing on problems) or a report.
 */
import { PairedFileDataset } from '../dataset/dataset';
import type { SamplePipeline } from '../dataset/sample';
import { readSplitList } from '../dataset/split-list';
import { CLASSES_13, CLASSES_16 } from '@semadapt/labels';
import {
  applySplitList,
  countSplits,
  DatasetTreeError,
  reportProblems,
  scanPairs,
  type CheckReport,
  type PairRecord,
  type ScanLevel,
  type TreeListing,
  type TreeProblem,
} from './tree-check';

/** Evaluated class sets: all 19 trainIds, or SPEC §6's 16 or 13 (the others become 255). */
export type ClassSet = 19 | 16 | 13;

/** Options every reader's `open` accepts. */
export interface OpenOptions {
  /** Split list (image paths relative to the root, one per line); restricts the pairs. Default: all. */
  readonly list?: string;
  /** Classes kept; the rest map to 255. Default 19. */
  readonly classes?: ClassSet;
  /** Image/label size mismatch: fail ('error') or leave the pair out with a warning ('skip'). Default 'error'. */
  readonly sizeMismatch?: 'error' | 'skip';
  /** How much opening checks: 'structure', 'headers' (PNG header + trailer, sizes) or 'full' (decode labels). Default 'headers'. */
  readonly validate?: ScanLevel;
  /** Transforms applied when samples are loaded. The label table is set by the reader. Default none. */
  readonly pipeline?: Omit<SamplePipeline, 'labelLut'>;
  /** Augmentation seed for `get(i)`. Default 0. */
  readonly seed?: number;
  /** Progress of the file scan, (pairs done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Label ids outside the dataset's map (above its largest id) when a sample
   * is loaded: counted in `Sample.outOfRangeIds` and read as ignore (false,
   * default), or refused with the file named (true).
   */
  readonly strictLabelIds?: boolean;
}

/** Options of the readers' `check` functions. */
export type CheckOptions = Pick<OpenOptions, 'list' | 'classes' | 'sizeMismatch' | 'onProgress'>;

/** A dataset opened from a tree: pairs, where it came from, and warnings (skipped pairs). */
export class TreeDataset extends PairedFileDataset {
  constructor(
    title: string,
    readonly root: string,
    readonly pairs: readonly PairRecord[],
    pipeline: SamplePipeline,
    seed: number,
    readonly warnings: readonly TreeProblem[],
  ) {
    super(
      title,
      pairs.map((p) => ({ name: p.name, image: p.image, label: p.label })),
      pipeline,
      seed,
    );
  }
}

/** `lut` followed by the class-set restriction. */
export function restrictLut(lut: Uint8Array, classes: ClassSet): Uint8Array {
  if (classes === 19) return lut;
  const keep = new Set(classes === 16 ? CLASSES_16 : CLASSES_13);
  return lut.map((t) => (keep.has(t) ? t : 255));
}

function checkClasses(classes: number): ClassSet {
  if (classes !== 19 && classes !== 16 && classes !== 13) throw new RangeError(`classes must be 19, 16 or 13, got ${classes}`);
  return classes;
}

function selectPairs(listing: TreeListing, list: string | undefined, problems: TreeProblem[]): PairRecord[] {
  if (list === undefined) return listing.pairs.slice();
  let entries: string[];
  try {
    entries = readSplitList(list);
  } catch (err) {
    problems.push({ kind: 'split-list', path: list, message: (err as Error).message.replace(`${list}: `, '') });
    return [];
  }
  return applySplitList(listing.pairs, entries, list, problems);
}

/** Opens a listed tree as a dataset; throws {@link DatasetTreeError} listing every problem. */
export function openTree(listing: TreeListing, options: OpenOptions = {}): TreeDataset {
  const classes = checkClasses(options.classes ?? 19);
  const lut = restrictLut(listing.lut, classes);
  const problems = listing.problems.slice();
  const selected = selectPairs(listing, options.list, problems);
  const scan = scanPairs(selected, {
    level: options.validate ?? 'headers',
    lut,
    maxId: listing.maxId,
    sizeMismatch: options.sizeMismatch ?? 'error',
    onProgress: options.onProgress,
  });
  problems.push(...scan.problems);
  if (problems.length === 0 && scan.kept.length === 0) {
    problems.push({ kind: 'empty', path: listing.root, message: 'no image/label pairs found' });
  }
  if (problems.length > 0) throw new DatasetTreeError(listing.dataset, listing.root, problems);
  const title = `${listing.dataset} ${[...new Set(scan.kept.map((p) => p.split))].join('+')}`;
  const labelIdLimit = { maxId: listing.maxId, strict: options.strictLabelIds ?? false };
  return new TreeDataset(title, listing.root, scan.kept, { ...(options.pipeline ?? {}), labelLut: lut, labelIdLimit }, options.seed ?? 0, scan.skipped);
}

/** Checks a listed tree completely (labels decoded) and returns the `data check --json` report. */
export function checkTree(listing: TreeListing, options: CheckOptions = {}): CheckReport {
  const classes = checkClasses(options.classes ?? 19);
  const lut = restrictLut(listing.lut, classes);
  const problems = listing.problems.slice();
  const selected = selectPairs(listing, options.list, problems);
  const scan = scanPairs(selected, { level: 'full', lut, maxId: listing.maxId, sizeMismatch: options.sizeMismatch ?? 'error', onProgress: options.onProgress });
  problems.push(...scan.problems, ...scan.skipped);
  // Training refuses a split without pairs (openTree: 'no image/label pairs found'): so does the check.
  const splits = countSplits(scan.kept, listing.splitNames);
  for (const [split, n] of Object.entries(splits)) {
    if (n === 0) problems.push({ kind: 'empty', path: listing.root, message: `split '${split}' has no image/label pairs (training and evaluation refuse an empty split)` });
  }
  return {
    dataset: listing.dataset,
    root: listing.root,
    splits,
    problems: reportProblems(problems),
    trainIdPixels: scan.trainIdPixels,
    ignoredPixels: scan.ignoredPixels,
  };
}
