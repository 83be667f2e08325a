/**
 * Unlabeled image folders: a user's own target-domain photos (PNG or JPEG,
 * any nesting), for translation or pseudo-labelling. Sample names are paths
 * relative to the root, sorted, so orders are stable across machines.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PairedFileDataset } from './dataset';
import type { SamplePipeline } from './sample';
import { readSplitList } from './split-list';

/** Options of {@link openImageFolder}. */
export interface ImageFolderOptions {
  /** File name endings accepted (case-insensitive). Default .png, .jpg, .jpeg. */
  readonly extensions?: readonly string[];
  /** Split list of paths relative to the root; default every matching file. */
  readonly list?: string;
  /** Transforms applied on load. Default none. */
  readonly pipeline?: Omit<SamplePipeline, 'labelLut'>;
  /** Augmentation seed for `get(i)`. Default 0. */
  readonly seed?: number;
}

/** Opens a folder of images without labels; throws naming the root when it is missing or empty. */
export function openImageFolder(root: string, options: ImageFolderOptions = {}): PairedFileDataset {
  const abs = path.resolve(root);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new Error(`${abs}: missing folder (image folder root)`);
  const exts = (options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase());
  let names: string[];
  if (options.list) {
    names = readSplitList(options.list);
    for (const n of names) {
      if (!fs.existsSync(path.join(abs, n))) throw new Error(`${options.list}: entry '${n}' does not exist under ${abs}`);
    }
  } else {
    names = [];
    const walk = (rel: string): void => {
      for (const e of fs.readdirSync(path.join(abs, rel), { withFileTypes: true })) {
        const r = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) walk(r);
        else if (exts.some((x) => e.name.toLowerCase().endsWith(x)) && !e.name.includes('.tmp-')) names.push(r);
      }
    };
    walk('');
    names.sort();
  }
  if (names.length === 0) throw new Error(`${abs}: no images (${exts.join(', ')}) found`);
  return new PairedFileDataset(
    `images ${abs}`,
    names.map((n) => ({ name: n, image: path.join(abs, n) })),
    options.pipeline ?? {},
    options.seed ?? 0,
  );
}
