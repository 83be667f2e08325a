import * as fs from 'fs';
import * as path from 'path';
import type { RgbImageLike } from '../inception/preprocess';
import { readRgb } from '@semadapt/data-core';

/** Where images come from: a folder (searched recursively), a dataset-like object, or images in memory. */
export type ImageSource = string | IndexedImages | RgbImageLike[];

/** The part of data-core's `Dataset` the metrics need. */
export interface IndexedImages {
  readonly length: number;
  get(index: number): RgbImageLike | Promise<RgbImageLike>;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Image files under `dir`, recursively, sorted by path (a stable order for reproducible splits). */
export function listImageFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`Image folder not found: ${dir}`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`Not a folder: ${dir}`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  out.sort();
  if (out.length === 0) throw new Error(`No PNG or JPEG images under ${dir}`);
  return out;
}

/** A source as an indexed collection. */
export function openImageSource(source: ImageSource): IndexedImages {
  if (typeof source === 'string') {
    const files = listImageFiles(source);
    return { length: files.length, get: (i) => readRgb(files[i]) };
  }
  if (Array.isArray(source)) return { length: source.length, get: (i) => source[i] };
  return source;
}
