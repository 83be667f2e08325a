/**
 * Miniature dataset trees in the three real layouts (SPEC §5), with real
 * label ids, for tests and for trying the CLI:
 * - Cityscapes: `leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png` and
 *   `gtFine/<split>/<city>/<...>_gtFine_labelIds.png` (8-bit gray labelIds);
 * - GTA5: `images/NNNNN.png`, `labels/NNNNN.png` (8-bit palette, index = labelId);
 * - SYNTHIA-RAND-CITYSCAPES: `RGB/NNNNNNN.png`, `GT/LABELS/NNNNNNN.png`
 *   (16-bit, 3 channels, class id in channel 0, instance-like values in channel 1).
 * Optional deliberately broken variants, each applied to the first sample(s)
 * of the first split, and listed in the returned manifest.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writePngAtomic } from '../lib/codec/png';
import { labelIdPalette } from '@semadapt/labels';
import { mulberry32 } from '../lib/random/rng';

/** The broken variants a fixture can carry. */
export type BrokenVariant =
  | 'missing-folder'
  | 'missing-label'
  | 'missing-image'
  | 'truncated-image'
  | 'truncated-label'
  | 'size-mismatch'
  | 'out-of-range-id';

/** Every broken variant, for loops in tests. */
export const BROKEN_VARIANTS: readonly BrokenVariant[] = [
  'missing-folder',
  'missing-label',
  'missing-image',
  'truncated-image',
  'truncated-label',
  'size-mismatch',
  'out-of-range-id',
];

/** Fixture options. */
export interface FixtureOptions {
  /** Samples per split. Default 3. */
  readonly count?: number;
  /** Image size. Default 16×8. */
  readonly width?: number;
  readonly height?: number;
  /**
   * Label ids painted, cycling pixel by pixel in raster order (so every id in
   * the list appears when width·height ≥ its length). Default: every id the
   * dataset defines (Cityscapes/GTA5 0..33, SYNTHIA 0..22).
   */
  readonly ids?: readonly number[];
  /** Offset of the cycle per sample (sample k starts at ids[k·shift]). Default 1. */
  readonly shift?: number;
  /** Broken variants to apply. Default none. */
  readonly broken?: readonly BrokenVariant[];
  /** Seed of the image noise. Default 1. */
  readonly seed?: number;
  /** Splits (Cityscapes only). Default ['train', 'val']. */
  readonly splits?: readonly string[];
}

/** One written pair. */
export interface FixturePair {
  readonly split: string;
  readonly image: string;
  readonly label: string;
  /** Raw ids as written, raster order. */
  readonly ids: Uint16Array;
}

/** What was written. */
export interface FixtureManifest {
  readonly root: string;
  readonly pairs: FixturePair[];
  /** For each broken variant applied: the path that carries it. */
  readonly broken: Array<{ variant: BrokenVariant; path: string }>;
}

/** Invalid ids used by 'out-of-range-id': 8-bit sets get 40 (> 33), SYNTHIA gets 300 (> 22). */
export const OUT_OF_RANGE_ID = { labelId: 40, synthia: 300 } as const;

type Layout = 'cityscapes' | 'gta5' | 'synthia';

function paintIds(w: number, h: number, ids: readonly number[], start: number): Uint16Array {
  const out = new Uint16Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = ids[(start + i) % ids.length];
  return out;
}

function paintImage(w: number, h: number, ids: Uint16Array, rng: () => number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const id = ids[i];
    out[3 * i] = (id * 37 + Math.floor(rng() * 16)) & 255;
    out[3 * i + 1] = (id * 91 + Math.floor(rng() * 16)) & 255;
    out[3 * i + 2] = (id * 53 + Math.floor(rng() * 16)) & 255;
  }
  return out;
}

function writeLabel(layout: Layout, file: string, w: number, h: number, ids: Uint16Array): void {
  if (layout === 'synthia') {
    const data = new Uint16Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      data[3 * i] = ids[i];
      data[3 * i + 1] = (i * 7) & 0xffff;
      data[3 * i + 2] = 0;
    }
    writePngAtomic(file, { width: w, height: h, channels: 3, data });
  } else if (layout === 'gta5') {
    writePngAtomic(file, { width: w, height: h, channels: 1, data: Uint8Array.from(ids), palette: labelIdPalette() });
  } else {
    writePngAtomic(file, { width: w, height: h, channels: 1, data: Uint8Array.from(ids) });
  }
}

function truncate(file: string): void {
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

/** Relative paths of sample k in a layout. */
function relPaths(layout: Layout, split: string, k: number): { image: string; label: string } {
  switch (layout) {
    case 'cityscapes': {
      const city = k % 2 === 0 ? 'aachen' : 'bremen';
      const stem = `${city}_${String(k).padStart(6, '0')}_${String(19 + k).padStart(6, '0')}`;
      return { image: `leftImg8bit/${split}/${city}/${stem}_leftImg8bit.png`, label: `gtFine/${split}/${city}/${stem}_gtFine_labelIds.png` };
    }
    case 'gta5': {
      const n = String(k + 1).padStart(5, '0');
      return { image: `images/${n}.png`, label: `labels/${n}.png` };
    }
    case 'synthia': {
      const n = String(k).padStart(7, '0');
      return { image: `RGB/${n}.png`, label: `GT/LABELS/${n}.png` };
    }
  }
}

const LABEL_ROOT: Record<Layout, string> = { cityscapes: 'gtFine', gta5: 'labels', synthia: 'GT/LABELS' };
const ALL_IDS: Record<Layout, number[]> = {
  cityscapes: Array.from({ length: 34 }, (_, i) => i),
  gta5: Array.from({ length: 34 }, (_, i) => i),
  synthia: Array.from({ length: 23 }, (_, i) => i),
};

function writeFixture(layout: Layout, root: string, options: FixtureOptions): FixtureManifest {
  const count = options.count ?? 3;
  const w = options.width ?? 16;
  const h = options.height ?? 8;
  const ids = options.ids ?? ALL_IDS[layout];
  const shift = options.shift ?? 1;
  const broken = new Set(options.broken ?? []);
  const splits = layout === 'cityscapes' ? (options.splits ?? ['train', 'val']) : ['all'];
  const rng = mulberry32(options.seed ?? 1);
  const pairs: FixturePair[] = [];
  const manifest: FixtureManifest = { root, pairs, broken: [] };
  if (broken.has('missing-label') && count < 2) throw new RangeError('fixtures: broken variants need count ≥ 2');
  let k = 0;
  for (const split of splits) {
    for (let s = 0; s < count; s++, k++) {
      const rel = relPaths(layout, split, k);
      const image = path.join(root, rel.image);
      const label = path.join(root, rel.label);
      const sampleIds = paintIds(w, h, ids, k * shift);
      writePngAtomic(image, { width: w, height: h, channels: 3, data: paintImage(w, h, sampleIds, rng) });
      let labelW = w;
      let labelIds = sampleIds;
      const first = split === splits[0];
      if (first && s === 0 && broken.has('size-mismatch')) {
        labelW = w + 2;
        labelIds = paintIds(labelW, h, ids, k * shift);
        manifest.broken.push({ variant: 'size-mismatch', path: label });
      }
      if (first && s === 1 && broken.has('out-of-range-id')) {
        labelIds = sampleIds.slice();
        const bad = layout === 'synthia' ? OUT_OF_RANGE_ID.synthia : OUT_OF_RANGE_ID.labelId;
        labelIds[0] = bad;
        labelIds[labelIds.length - 1] = bad;
        manifest.broken.push({ variant: 'out-of-range-id', path: label });
      }
      writeLabel(layout, label, labelW, h, labelIds);
      pairs.push({ split, image, label, ids: labelIds });
    }
  }
  // Breakages that remove or damage files, on distinct samples of the first split.
  const firstSplit = pairs.filter((p) => p.split === splits[0]);
  const pick = (i: number): FixturePair => firstSplit[Math.min(i, firstSplit.length - 1)];
  if (broken.has('missing-label')) {
    fs.rmSync(pick(0).label);
    manifest.broken.push({ variant: 'missing-label', path: pick(0).image });
  }
  if (broken.has('missing-image')) {
    fs.rmSync(pick(1).image);
    manifest.broken.push({ variant: 'missing-image', path: pick(1).label });
  }
  if (broken.has('truncated-image')) {
    truncate(pick(2).image);
    manifest.broken.push({ variant: 'truncated-image', path: pick(2).image });
  }
  if (broken.has('truncated-label')) {
    truncate(pick(2).label);
    manifest.broken.push({ variant: 'truncated-label', path: pick(2).label });
  }
  if (broken.has('missing-folder')) {
    const dir = path.join(root, LABEL_ROOT[layout]);
    fs.rmSync(dir, { recursive: true, force: true });
    manifest.broken.push({ variant: 'missing-folder', path: dir });
  }
  return manifest;
}

/** Writes a miniature Cityscapes tree (train and val by default) under `root`. */
export function writeCityscapesFixture(root: string, options: FixtureOptions = {}): FixtureManifest {
  return writeFixture('cityscapes', root, options);
}

/** Writes a miniature GTA5 tree under `root` (palette labels). */
export function writeGta5Fixture(root: string, options: FixtureOptions = {}): FixtureManifest {
  return writeFixture('gta5', root, options);
}

/** Writes a miniature SYNTHIA-RAND-CITYSCAPES tree under `root` (16-bit labels). */
export function writeSynthiaFixture(root: string, options: FixtureOptions = {}): FixtureManifest {
  return writeFixture('synthia', root, options);
}
