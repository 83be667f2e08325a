/**
 * A sample as a serializable spec (file paths) plus a serializable pipeline
 * (resize, crop, flip, label table), so the same decode runs
 * in the main thread or in a worker. Randomness comes from a per-sample seed
 * (seed, epoch, dataset index), so crops and flips do not depend on which
 * worker decodes what. Images come out as 8-bit RGB pixels: normalising
 * them is each model's own business (the segmenters do it inside `forward`).
 */
import type { Image, ImageU8, LabelMap } from '../image/image';
import { readRgb, readLabelIds } from '../codec/read-image';
import { resize, resizeTargetSize, type ResizeTarget } from '../transform/resize';
import { randomCropBox, randomCropFlipPair } from '../transform/geometry';
import { remapLabel } from '../transform/remap';
import { mulberry32 } from '../random/rng';

/** Where a sample's files are (absolute paths). */
export interface SampleSpec {
  /** Stable name (e.g. the path relative to the root), used in logs and outputs. */
  readonly name: string;
  readonly image: string;
  /** Label PNG (raw ids, mapped with the pipeline's `labelLut`); absent for unlabeled target sets. */
  readonly label?: string;
}

/** The transforms, in order: decode → resize → random crop → random flip. All fields optional. */
export interface SamplePipeline {
  /** Resize target for image and label (SPEC §2: `{kind:'size', width:1024, height:512}`). Default: none. */
  readonly resize?: ResizeTarget;
  /** Image filter for the resize. Default 'bicubic' (PIL BICUBIC, as BDL); labels always use nearest. */
  readonly imageFilter?: 'bilinear' | 'bicubic';
  /** Random crop size after the resize (SPEC §2: 512×512). Default: none. */
  readonly crop?: { readonly width: number; readonly height: number };
  /** Probability of a horizontal flip of image and label together. Default 0. */
  readonly flipProbability?: number;
  /** Lookup table from raw label ids to trainIds (256 or 65536 entries). Default: ids kept (8-bit only). */
  readonly labelLut?: Uint8Array;
  /**
   * Label ids above `maxId` (outside the dataset's id map): read as ignore and
   * counted in `Sample.outOfRangeIds` (default), or refused with the file named
   * when `strict`. Default: not checked.
   */
  readonly labelIdLimit?: { readonly maxId: number; readonly strict: boolean };
}

/** A decoded sample. */
export interface Sample {
  readonly name: string;
  /** Index in the dataset. */
  readonly index: number;
  /** 8-bit RGB pixels, HWC. */
  readonly image: ImageU8;
  readonly label?: LabelMap;
  /** Pixels whose label id is above `pipeline.labelIdLimit.maxId` (read as ignore), when checked. */
  readonly outOfRangeIds?: number;
}

/** Checks a pipeline's values, quoting what was received. */
export function validatePipeline(p: SamplePipeline): void {
  if (p.flipProbability !== undefined && !(p.flipProbability >= 0 && p.flipProbability <= 1)) {
    throw new RangeError(`pipeline.flipProbability must be in [0, 1], got ${p.flipProbability}`);
  }
  if (p.crop && !(Number.isInteger(p.crop.width) && Number.isInteger(p.crop.height) && p.crop.width > 0 && p.crop.height > 0)) {
    throw new RangeError(`pipeline.crop must be positive integers, got ${JSON.stringify(p.crop)}`);
  }
  if (p.labelLut && p.labelLut.length !== 256 && p.labelLut.length !== 65536) {
    throw new RangeError(`pipeline.labelLut must have 256 or 65536 entries, got ${p.labelLut.length}`);
  }
  if (p.resize) resizeTargetSize(100, 100, p.resize);
}

/**
 * Decodes and transforms one sample. `sampleSeed` drives the crop and flip.
 * Errors name the file. Image and label must have the same size unless a
 * resize brings both to the same output size.
 */
export function loadSample(spec: SampleSpec, index: number, pipeline: SamplePipeline, sampleSeed: number): Sample {
  const image: ImageU8 = readRgb(spec.image);
  let raw: Image<Uint8Array | Uint16Array> | undefined;
  if (spec.label) {
    raw = readLabelIds(spec.label);
    if (raw.data instanceof Uint16Array && (!pipeline.labelLut || pipeline.labelLut.length !== 65536)) {
      throw new Error(`${spec.label}: 16-bit label ids need a 65536-entry labelLut`);
    }
  }
  let outOfRangeIds: number | undefined;
  if (raw && pipeline.labelIdLimit) {
    const { maxId, strict } = pipeline.labelIdLimit;
    const found = new Set<number>();
    outOfRangeIds = 0;
    for (const id of raw.data) {
      if (id > maxId) {
        outOfRangeIds++;
        if (found.size < 8) found.add(id);
      }
    }
    if (strict && outOfRangeIds > 0) {
      const ids = [...found].sort((a, b) => a - b).join(', ');
      throw new Error(`${spec.label}: ${outOfRangeIds} pixels with label ids outside 0..${maxId} (ids ${ids}${found.size === 8 ? ', …' : ''}); refused (strict label ids)`);
    }
  }
  // Nearest resampling commutes with the id table, so the table is applied after any resize/crop (fewer pixels).
  const remap = (ids: Image<Uint8Array | Uint16Array>): LabelMap => (pipeline.labelLut ? remapLabel(ids, pipeline.labelLut) : (ids as LabelMap));
  const rng = mulberry32(sampleSeed);
  if (raw && !pipeline.resize && (raw.width !== image.width || raw.height !== image.height)) {
    throw new Error(`${spec.label}: label is ${raw.width}×${raw.height} but image ${spec.image} is ${image.width}×${image.height}`);
  }
  let pair: { image: ImageU8; label?: LabelMap };
  if (pipeline.resize) {
    // Draw the crop in output coordinates first and resize only that window (same pixels as
    // resize-then-crop, half the work for 1024×512 → 512×512); then the flip, as in randomCropFlipPair.
    const out = resizeTargetSize(image.width, image.height, pipeline.resize);
    const region = pipeline.crop ? randomCropBox(out.width, out.height, pipeline.crop.width, pipeline.crop.height, rng) : undefined;
    const filter = pipeline.imageFilter ?? 'bicubic';
    pair = {
      image: resize(image, pipeline.resize, filter, region),
      label: raw && remap(resize(raw, { kind: 'size', width: out.width, height: out.height }, 'nearest', region)),
    };
    pair = randomCropFlipPair(pair.image, pair.label, undefined, pipeline.flipProbability ?? 0, rng);
  } else {
    pair = randomCropFlipPair(image, raw && remap(raw), pipeline.crop, pipeline.flipProbability ?? 0, rng);
  }
  return { name: spec.name, index, image: pair.image, label: pair.label, ...(outOfRangeIds ? { outOfRangeIds } : {}) };
}
