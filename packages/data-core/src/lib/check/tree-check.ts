/**
 * Shared machinery for opening and checking dataset trees (SPEC §5): folder
 * listing, image/label pairing, cheap integrity checks (PNG header and IEND
 * trailer), full label scans with id-range counts and trainId histograms, and
 * the report the CLI's `data check --json` prints.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readLabelIds, readPngSize } from '../codec/read-image';
import { PngDecodeError } from '../codec/png';
import { IGNORE_LABEL, NUM_CLASSES } from '@semadapt/labels';

/** Kinds of problem a tree can have. */
export type ProblemKind =
  | 'missing-folder'
  | 'missing-label'
  | 'missing-image'
  | 'unreadable'
  | 'size-mismatch'
  | 'out-of-range-ids'
  | 'split-list'
  | 'empty';

/** One problem, naming the file or folder. */
export interface TreeProblem {
  readonly kind: ProblemKind;
  readonly path: string;
  readonly message: string;
}

/** The summary `data check --json` prints. */
export interface CheckReport {
  readonly dataset: string;
  readonly root: string;
  /** Pairs per split (after any skipped pairs are removed). */
  readonly splits: Record<string, number>;
  readonly problems: ReadonlyArray<{ path: string; message: string }>;
  /** Pixels per trainId 0..18 over all labels at native resolution. */
  readonly trainIdPixels: number[];
  /** Pixels mapped to 255 (ignore), out-of-range ids included. */
  readonly ignoredPixels: number;
}

/** Thrown when opening a dataset finds problems; lists every one. */
export class DatasetTreeError extends Error {
  constructor(readonly dataset: string, readonly root: string, readonly problems: readonly TreeProblem[]) {
    const shown = problems.slice(0, 20).map((p) => `  ${p.path}: ${p.message}`);
    if (problems.length > 20) shown.push(`  … and ${problems.length - 20} more (run \`data check\` for the full list)`);
    super(`${dataset} at ${root}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${shown.join('\n')}`);
    this.name = 'DatasetTreeError';
  }
}

/** An image/label pair (absolute paths) in a split. */
export interface PairRecord {
  readonly split: string;
  /** Image path relative to the root (stable sample name). */
  readonly name: string;
  readonly image: string;
  readonly label: string;
}

/** What a reader's layout listing produced. */
export interface TreeListing {
  readonly dataset: string;
  readonly root: string;
  readonly pairs: readonly PairRecord[];
  readonly problems: readonly TreeProblem[];
  /** Splits the layout has (reported even when empty). */
  readonly splitNames: readonly string[];
  /** Raw id → trainId (19 classes). */
  readonly lut: Uint8Array;
  /** Largest raw id the dataset defines. */
  readonly maxId: number;
}

/** Adds a missing-folder problem and returns false when `dir` is not a folder. */
export function requireFolder(dir: string, problems: TreeProblem[], what: string): boolean {
  let ok = false;
  try {
    ok = fs.statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) problems.push({ kind: 'missing-folder', path: dir, message: `missing folder (${what})` });
  return ok;
}

/**
 * Files under `dir` (recursively) whose names end with `suffix`, as sorted
 * paths relative to `dir`. Symbolic links are followed — a city folder that
 * is a link to another disk is part of the tree — with each real folder
 * walked once (a link cycle ends there); a broken link with a matching name
 * is listed, so reading it fails loudly naming it.
 */
export function listFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string): void => {
    const here = path.join(dir, rel);
    const real = fs.realpathSync(here);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = fs.readdirSync(here, { withFileTypes: true });
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try {
          isDir = fs.statSync(path.join(dir, r)).isDirectory();
        } catch {
          isDir = false; // broken link: listed below if its name matches
        }
      }
      if (isDir) walk(r);
      else if (e.name.endsWith(suffix) && !e.name.includes('.tmp-')) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/**
 * Pairs images and labels by key. Images without labels and labels without
 * images become problems naming the orphan and the counterpart expected.
 */
export function pairByKey(
  split: string,
  images: ReadonlyMap<string, { abs: string; name: string }>,
  labels: ReadonlyMap<string, string>,
  expectedLabel: (key: string) => string,
  expectedImage: (key: string) => string,
  problems: TreeProblem[],
): PairRecord[] {
  const pairs: PairRecord[] = [];
  for (const [key, img] of images) {
    const label = labels.get(key);
    if (label === undefined) problems.push({ kind: 'missing-label', path: img.abs, message: `image has no label (expected ${expectedLabel(key)})` });
    else pairs.push({ split, name: img.name, image: img.abs, label });
  }
  for (const [key, label] of labels) {
    if (!images.has(key)) problems.push({ kind: 'missing-image', path: label, message: `label has no image (expected ${expectedImage(key)})` });
  }
  return pairs;
}

/** Restricts pairs to the image paths (relative to root) of a split list; unknown entries are problems. */
export function applySplitList(pairs: readonly PairRecord[], entries: readonly string[], listFile: string, problems: TreeProblem[]): PairRecord[] {
  const byName = new Map(pairs.map((p) => [p.name, p]));
  const out: PairRecord[] = [];
  for (const e of entries) {
    const p = byName.get(e);
    if (p) out.push(p);
    else problems.push({ kind: 'split-list', path: listFile, message: `entry '${e}' is not an image with a label in the tree` });
  }
  return out;
}

const IEND_TRAILER = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** Size from the PNG header, after checking the file ends with the IEND trailer (cheap truncation check). */
export function pngSizeChecked(file: string): { width: number; height: number } {
  const size = readPngSize(file);
  const fd = fs.openSync(file, 'r');
  try {
    const len = fs.fstatSync(fd).size;
    const tail = Buffer.alloc(12);
    fs.readSync(fd, tail, 0, 12, Math.max(0, len - 12));
    if (len < 12 || !IEND_TRAILER.every((b, i) => tail[i] === b)) {
      throw new PngDecodeError(file, `truncated PNG: no IEND trailer at the end of the file (${len} bytes)`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return size;
}

/** How deeply {@link scanPairs} looks. */
export type ScanLevel = 'structure' | 'headers' | 'full';

/** Options of {@link scanPairs}. */
export interface ScanOptions {
  /** 'structure': pairing only; 'headers': + PNG header/trailer and sizes; 'full': + decode every label. */
  readonly level: ScanLevel;
  /** Raw id → trainId table (256 or 65536 entries). */
  readonly lut: Uint8Array;
  /** Largest id the dataset defines; larger ids are counted and reported. */
  readonly maxId: number;
  /** Image/label size mismatch: a problem ('error') or the pair is left out with a warning ('skip'). */
  readonly sizeMismatch: 'error' | 'skip';
  /** Called after each pair with (pairs done, total); a full check of GTA5 takes minutes. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What {@link scanPairs} found. */
export interface ScanResult {
  readonly kept: PairRecord[];
  readonly problems: TreeProblem[];
  /** Pairs left out under `sizeMismatch: 'skip'`. */
  readonly skipped: TreeProblem[];
  readonly trainIdPixels: number[];
  readonly ignoredPixels: number;
  readonly outOfRangePixels: number;
}

/** Checks each pair to `options.level`; never throws for a bad file (it becomes a problem). */
export function scanPairs(pairs: readonly PairRecord[], options: ScanOptions): ScanResult {
  const problems: TreeProblem[] = [];
  const skipped: TreeProblem[] = [];
  const kept: PairRecord[] = [];
  const trainIdPixels = new Array<number>(NUM_CLASSES).fill(0);
  let ignoredPixels = 0;
  let outOfRangePixels = 0;
  const unreadable = (err: unknown, file: string): void => {
    const msg = err instanceof PngDecodeError ? err.reason : (err as Error).message;
    problems.push({ kind: 'unreadable', path: file, message: msg });
  };
  let done = 0;
  for (const pair of pairs) {
    options.onProgress?.(done++, pairs.length);
    if (options.level === 'structure') {
      kept.push(pair);
      continue;
    }
    let imageSize: { width: number; height: number } | undefined;
    let labelSize: { width: number; height: number } | undefined;
    try {
      imageSize = pngSizeChecked(pair.image);
    } catch (err) {
      unreadable(err, pair.image);
    }
    try {
      labelSize = pngSizeChecked(pair.label);
    } catch (err) {
      unreadable(err, pair.label);
    }
    if (!imageSize || !labelSize) continue;
    let ok = true;
    if (options.level === 'full') {
      try {
        const ids = readLabelIds(pair.label);
        labelSize = { width: ids.width, height: ids.height };
        // Training reads labels through this table: a 16-bit file needs a 65536-entry one.
        if (ids.data instanceof Uint16Array && options.lut.length !== 65536) {
          throw new Error(`16-bit label PNG, but this dataset's label ids are 8-bit (training would refuse it); re-save it with 8-bit samples`);
        }
        const counts = new Float64Array(options.lut.length);
        const d = ids.data;
        let bad = 0;
        const badIds = new Set<number>();
        for (let i = 0; i < d.length; i++) {
          const id = d[i];
          if (id > options.maxId) {
            bad++;
            if (badIds.size < 8) badIds.add(id);
          } else counts[id]++;
        }
        for (let id = 0; id < counts.length; id++) {
          if (counts[id] === 0) continue;
          const t = options.lut[id];
          if (t === IGNORE_LABEL || t >= NUM_CLASSES) ignoredPixels += counts[id];
          else trainIdPixels[t] += counts[id];
        }
        if (bad > 0) {
          ignoredPixels += bad;
          outOfRangePixels += bad;
          problems.push({
            kind: 'out-of-range-ids',
            path: pair.label,
            message: `${bad} pixel${bad === 1 ? '' : 's'} with label ids outside 0..${options.maxId} (ids ${[...badIds].sort((a, b) => a - b).join(', ')}${badIds.size === 8 ? ', …' : ''}); read as ignore (255)`,
          });
        }
      } catch (err) {
        unreadable(err, pair.label);
        ok = false;
      }
    }
    if (labelSize.width !== imageSize.width || labelSize.height !== imageSize.height) {
      const problem: TreeProblem = {
        kind: 'size-mismatch',
        path: pair.label,
        message: `label is ${labelSize.width}×${labelSize.height} but image ${pair.image} is ${imageSize.width}×${imageSize.height}${options.sizeMismatch === 'skip' ? ' (pair skipped)' : ''}`,
      };
      if (options.sizeMismatch === 'skip') skipped.push(problem);
      else problems.push(problem);
      continue;
    }
    if (ok) kept.push(pair);
  }
  options.onProgress?.(pairs.length, pairs.length);
  return { kept, problems, skipped, trainIdPixels, ignoredPixels, outOfRangePixels };
}

/** Counts pairs per split. */
export function countSplits(pairs: readonly PairRecord[], splitNames: readonly string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of splitNames) out[s] = 0;
  for (const p of pairs) out[p.split] = (out[p.split] ?? 0) + 1;
  return out;
}

/** Strips the kind for the JSON report. */
export function reportProblems(problems: readonly TreeProblem[]): Array<{ path: string; message: string }> {
  return problems.map((p) => ({ path: p.path, message: p.message }));
}

/** A dataset stored as two flat folders of same-named PNGs (GTA5's `images/`+`labels/`, SYNTHIA's `RGB/`+`GT/LABELS/`). */
export interface FlatPairLayout {
  dataset: string;
  /** How problems name the dataset, e.g. 'GTA5'. */
  displayName: string;
  split: string;
  /** Folder of images, relative to the root (as segments). */
  imageDir: string[];
  /** Folder of labels, relative to the root (as segments). */
  labelDir: string[];
  lut: Uint8Array;
  maxId: number;
}

/** Lists a flat two-folder tree into pairs and problems (missing folders, orphans on either side). */
export function listFlatPairs(root: string, layout: FlatPairLayout): TreeListing {
  const abs = path.resolve(root);
  const problems: TreeProblem[] = [];
  const imageDir = path.join(abs, ...layout.imageDir);
  const labelDir = path.join(abs, ...layout.labelDir);
  const imageRel = layout.imageDir.join('/');
  const haveRoot = requireFolder(abs, problems, `${layout.displayName} root`);
  const haveImages = haveRoot && requireFolder(imageDir, problems, `${layout.displayName} ${imageRel}/`);
  const haveLabels = haveRoot && requireFolder(labelDir, problems, `${layout.displayName} ${layout.labelDir.join('/')}/`);
  const images = new Map<string, { abs: string; name: string }>();
  const labels = new Map<string, string>();
  if (haveImages) for (const f of listFiles(imageDir, '.png')) images.set(f, { abs: path.join(imageDir, f), name: `${imageRel}/${f}` });
  if (haveLabels) for (const f of listFiles(labelDir, '.png')) labels.set(f, path.join(labelDir, f));
  const pairs =
    haveImages && haveLabels
      ? pairByKey(layout.split, images, labels, (k) => path.join(labelDir, k), (k) => path.join(imageDir, k), problems)
      : [];
  return { dataset: layout.dataset, root: abs, pairs, problems, splitNames: [layout.split], lut: layout.lut, maxId: layout.maxId };
}
