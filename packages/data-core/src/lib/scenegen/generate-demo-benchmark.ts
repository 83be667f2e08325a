/**
 * The demo mini-benchmark on disk (issue 7 item 3b): a source domain in the
 * GTA5 layout and a target domain in the Cityscapes layout (SPEC §5), drawn
 * from one street-scene grammar (scene-layout.ts) with a clear appearance gap
 * (domain-style.ts).
 *
 *   <root>/gta5/images/NNNNN.png                      RGB
 *   <root>/gta5/labels/NNNNN.png                      8-bit palette, index = labelId
 *   <root>/cityscapes/leftImg8bit/{train,val}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
 *   <root>/cityscapes/gtFine/{train,val}/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png   8-bit gray
 *   <root>/manifest.json                              written last
 *
 * Every file is written atomically and the manifest last, so a tree without
 * a matching manifest is incomplete and is regenerated from scratch.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic, writePngAtomic } from '../codec/png';
import { labelIdPalette } from '@semadapt/labels';
import { renderDemoScene } from './demo-scene';

/** Bumped whenever the generator's output changes for a given seed. */
export const DEMO_GENERATOR_VERSION = 2;

/** Written into `<root>` before the first image: proves the folder is the generator's to delete. */
const OWNER_MARKER = '.semadapt-demo';

/** Options of {@link generateDemoBenchmark}; every field has a CPU-friendly default. */
export interface DemoBenchmarkOptions {
  /** Output folder. Default `'datasets/demo'` (relative to the working directory). */
  root?: string;
  /** Generator seed (integer ≥ 0). Default 0. */
  seed?: number;
  /** Images per set. Default source 200, target train 200, target val 50. */
  counts?: { source?: number; targetTrain?: number; targetVal?: number };
  /** Image width in pixels (≥ 32). Default 128. */
  width?: number;
  /** Image height in pixels (≥ 16). Default 64. */
  height?: number;
  /** Regenerate even when a complete tree with the same settings exists. Default false. */
  force?: boolean;
  /** Cityscapes images per city folder. Default 25. */
  imagesPerCity?: number;
  /**
   * How far the target palette departs from the source's, in [0, 1]: 1 (default)
   * is the full gap; lower values keep the target's texture, lighting and noise
   * but move its colours toward the source's (a milder demo).
   */
  gapStrength?: number;
}

/** `<root>/manifest.json`: the settings a tree was generated with. */
export interface DemoBenchmarkManifest {
  generator: 'semadapt-scenegen';
  version: number;
  seed: number;
  counts: { source: number; targetTrain: number; targetVal: number };
  width: number;
  height: number;
  imagesPerCity: number;
  gapStrength: number;
  source: { layout: 'gta5'; path: 'gta5' };
  target: { layout: 'cityscapes'; path: 'cityscapes'; splits: { train: number; val: number } };
}

/** What {@link generateDemoBenchmark} did. */
export interface DemoBenchmarkResult {
  root: string;
  manifest: DemoBenchmarkManifest;
  /** False when a complete tree with the same settings was already there. */
  generated: boolean;
  seconds: number;
}

const TRAIN_CITIES = ['aachen', 'bochum', 'bremen', 'cologne', 'darmstadt', 'dusseldorf', 'erfurt', 'hamburg', 'hanover', 'jena', 'krefeld', 'monchengladbach', 'strasbourg', 'stuttgart', 'tubingen', 'ulm', 'weimar', 'zurich'];
const VAL_CITIES = ['frankfurt', 'lindau', 'munster'];

function resolveOptions(options: DemoBenchmarkOptions): { root: string; force: boolean; manifest: DemoBenchmarkManifest } {
  const int = (name: string, value: unknown, min: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new RangeError(`generateDemoBenchmark: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const counts = {
    source: int('counts.source', options.counts?.source ?? 200, 1),
    targetTrain: int('counts.targetTrain', options.counts?.targetTrain ?? 200, 1),
    targetVal: int('counts.targetVal', options.counts?.targetVal ?? 50, 1),
  };
  const gapStrength = options.gapStrength ?? 1;
  if (typeof gapStrength !== 'number' || !(gapStrength >= 0 && gapStrength <= 1)) {
    throw new RangeError(`generateDemoBenchmark: gapStrength must be a number in [0, 1], got ${JSON.stringify(gapStrength)}`);
  }
  if (counts.source > 99999) throw new RangeError(`generateDemoBenchmark: counts.source must be ≤ 99999 (GTA5 names have 5 digits), got ${counts.source}`);
  return {
    root: path.resolve(options.root ?? path.join('datasets', 'demo')),
    force: options.force ?? false,
    manifest: {
      generator: 'semadapt-scenegen',
      version: DEMO_GENERATOR_VERSION,
      seed: int('seed', options.seed ?? 0, 0),
      counts,
      width: int('width', options.width ?? 128, 32),
      height: int('height', options.height ?? 64, 16),
      imagesPerCity: int('imagesPerCity', options.imagesPerCity ?? 25, 1),
      gapStrength,
      source: { layout: 'gta5', path: 'gta5' },
      target: { layout: 'cityscapes', path: 'cityscapes', splits: { train: counts.targetTrain, val: counts.targetVal } },
    },
  };
}

/** The manifest of a complete demo tree at `root`, or null when there is none (or it is unreadable). */
export function readDemoManifest(root: string): DemoBenchmarkManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8'));
    return m && m.generator === 'semadapt-scenegen' ? (m as DemoBenchmarkManifest) : null;
  } catch {
    return null;
  }
}

/** Relative path stem of Cityscapes image `index` in `split`, e.g. `train/aachen/aachen_000003_000019`. */
export function demoCityscapesStem(split: 'train' | 'val', index: number, imagesPerCity = 25): string {
  const cities = split === 'train' ? TRAIN_CITIES : VAL_CITIES;
  const block = Math.floor(index / imagesPerCity);
  // Past the last city name, cities repeat with a numeric suffix so names stay unique.
  const city = cities[block % cities.length] + (block >= cities.length ? String(Math.floor(block / cities.length) + 1) : '');
  const seq = String(index % imagesPerCity).padStart(6, '0');
  return `${split}/${city}/${city}_${seq}_000019`;
}

/**
 * Writes the demo benchmark (see the file comment for the layout) unless a
 * complete tree with the same settings is already at `root`. An incomplete
 * or different tree previously written by this generator is removed first;
 * a folder holding `gta5/` or `cityscapes/` that the generator did not write
 * is refused, never deleted.
 */
export function generateDemoBenchmark(options: DemoBenchmarkOptions = {}): DemoBenchmarkResult {
  const started = process.hrtime.bigint();
  const { root, force, manifest } = resolveOptions(options);
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const existing = readDemoManifest(root);
  if (!force && existing && JSON.stringify(existing) === JSON.stringify(manifest)) {
    return { root, manifest, generated: false, seconds: seconds() };
  }
  const ours = existing !== null || fs.existsSync(path.join(root, OWNER_MARKER));
  for (const sub of ['gta5', 'cityscapes']) {
    const dir = path.join(root, sub);
    if (!fs.existsSync(dir)) continue;
    if (!ours) {
      throw new Error(`generateDemoBenchmark: ${dir} exists but was not written by the demo generator (no manifest.json or ${OWNER_MARKER} in ${root}); refusing to overwrite it`);
    }
  }
  fs.mkdirSync(root, { recursive: true });
  fs.rmSync(path.join(root, 'manifest.json'), { force: true });
  fs.writeFileSync(path.join(root, OWNER_MARKER), 'Written by @semadapt/data-core generateDemoBenchmark; this folder may be regenerated.\n');
  fs.rmSync(path.join(root, 'gta5'), { recursive: true, force: true });
  fs.rmSync(path.join(root, 'cityscapes'), { recursive: true, force: true });

  const { seed, width, height, counts, imagesPerCity, gapStrength } = manifest;
  const palette = labelIdPalette();
  for (let i = 0; i < counts.source; i++) {
    const scene = renderDemoScene(seed, 'source', 'train', i, width, height);
    const name = `${String(i + 1).padStart(5, '0')}.png`;
    writePngAtomic(path.join(root, 'gta5', 'images', name), { width, height, channels: 3, data: scene.rgb });
    writePngAtomic(path.join(root, 'gta5', 'labels', name), { width, height, channels: 1, data: scene.labelIds, palette });
  }
  for (const [split, n] of [['train', counts.targetTrain], ['val', counts.targetVal]] as const) {
    for (let i = 0; i < n; i++) {
      const scene = renderDemoScene(seed, 'target', split, i, width, height, gapStrength);
      const stem = demoCityscapesStem(split, i, imagesPerCity);
      writePngAtomic(path.join(root, 'cityscapes', 'leftImg8bit', `${stem}_leftImg8bit.png`), { width, height, channels: 3, data: scene.rgb });
      writePngAtomic(path.join(root, 'cityscapes', 'gtFine', `${stem}_gtFine_labelIds.png`), { width, height, channels: 1, data: scene.labelIds });
    }
  }
  writeFileAtomic(path.join(root, 'manifest.json'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return { root, manifest, generated: true, seconds: seconds() };
}
