/**
 * The inference-heavy stages (issue 9 §2): translate, pseudo-label and
 * evaluate run exported ONNX models in onnxruntime-node. Each takes a shard
 * (`--shard i/n` or the scheduler's variables, see data-core's
 * `shardFromEnv`), writes one file per image atomically and skips images
 * whose output already exists — so a killed job resumes where it stopped
 * and a job array splits the work; `merge` combines per-shard summaries.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import {
  DataLoader, FileDataset, ImageU8, LabelMap, PairedFileDataset, resize, Shard, writePngAtomic,
} from '@semadapt/data-core';
import {
  ConfusionMatrix, generatePseudoLabels, MiouResult, PixelPrediction, PseudoLabelMode, PseudoLabelReport, predictFromLogits,
} from '@semadapt/segmenter';
import type { OnnxSession } from '@semadapt/onnx-runtime';
import { translateImageOnnx } from './translate-image';
import { writeJsonAtomic, readJsonIfExists } from '@semadapt/runner';
import { nchwToNhwcTensor, rgbToNchw, symmetricNchwToRgb } from './tensors';

/** Parses `i/n` (0-based shard i of n). */
export function parseShard(spec: string): { rank: number; worldSize: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new Error(`--shard: expected i/n (e.g. 0/4), received '${spec}'`);
  const rank = Number(m[1]);
  const worldSize = Number(m[2]);
  if (worldSize < 1 || rank >= worldSize) throw new Error(`--shard: need 0 ≤ i < n, received '${spec}'`);
  return { rank, worldSize };
}

/** A PNG output name for a dataset item: its name with the extension replaced by .png. */
export function pngName(name: string): string {
  return name.replace(/\.(png|jpe?g)$/i, '') + '.png';
}

/** Resizes an RGB image to `size` ([w, h]) with bicubic filtering, unless null or equal. */
export function resizeRgb(img: ImageU8, size: readonly [number, number] | null): ImageU8 {
  if (!size || (img.width === size[0] && img.height === size[1])) return img;
  return resize(img, { kind: 'size', width: size[0], height: size[1] }, 'bicubic');
}

/** Iterates a dataset (no shuffling) over one shard, decoding natively sized samples. */
async function* items(ds: FileDataset, shard: Shard, workers: number): AsyncGenerator<{ name: string; image: ImageU8; label?: LabelMap }> {
  const loader = new DataLoader(ds, { workers, shuffle: false, shard: { rank: shard.rank, worldSize: shard.worldSize } });
  try {
    for await (const it of loader.epoch(0)) {
      yield { name: it.sample.name, image: it.sample.image, label: it.sample.label };
    }
  } finally {
    await loader.close();
  }
}

/**
 * Logits of one image, as evaluation, pseudo-labels and samples take them:
 * a `[1, h, w, C]` tfjs tensor at any resolution (the consumer upsamples it
 * once, to the size it needs, and disposes it).
 */
export type LogitsOf = (img: ImageU8, name?: string) => Promise<tf.Tensor4D>;

/** Segmenter logits (`logits` output, at the input size) of an RGB image through an ONNX segmenter: RGB [0, 255] in, one layout change out. */
export async function segmenterLogits(model: OnnxSession, img: ImageU8): Promise<tf.Tensor4D> {
  const [out] = await model.run([rgbToNchw(img)]);
  return nchwToNhwcTensor(out);
}

/**
 * Argmax/confidence at `height × width` from `[1, h, w, C]` logits (the
 * segmenter's bilinear align-corners upsampling, once). Disposes `logits`.
 */
export async function predictionOf(name: string, logits: tf.Tensor4D, height: number, width: number): Promise<PixelPrediction> {
  try {
    return await predictFromLogits(name, logits, height, width);
  } finally {
    logits.dispose();
  }
}

export interface InferenceOptions {
  shard: Shard;
  workers: number;
  /** Input size [w, h] for the networks; null = native. */
  size: readonly [number, number] | null;
  onImage?: (done: number, total: number) => void;
}

function shardLength(ds: FileDataset, shard: Shard): number {
  return Math.floor((ds.length - shard.rank + shard.worldSize - 1) / shard.worldSize);
}

/**
 * Translates every source image s→t into `outDir/<name>.png`. The
 * translator ONNX has one input (image; the segmenter is embedded) or two
 * (image, guidance logits), in which case `segmenter` computes the guidance.
 */
export async function translateSet(
  ds: FileDataset, translator: OnnxSession, segmenter: OnnxSession | undefined, outDir: string, opts: InferenceOptions,
): Promise<{ images: number; skipped: number }> {
  const total = shardLength(ds, opts.shard);
  let done = 0;
  let skipped = 0;
  for await (const it of items(ds, opts.shard, opts.workers)) {
    const file = path.join(outDir, pngName(it.name));
    done++;
    if (fs.existsSync(file)) {
      skipped++;
      opts.onImage?.(done, total);
      continue;
    }
    const out = await translateImageOnnx(translator, segmenter, resizeRgb(it.image, opts.size));
    const rgb = symmetricNchwToRgb(out);
    writePngAtomic(file, { width: rgb.width, height: rgb.height, channels: 3, data: rgb.data });
    opts.onImage?.(done, total);
  }
  return { images: done, skipped };
}

/**
 * Pseudo-labels the target train set (SPEC §3) with an ONNX segmenter:
 * labels at the inference size, written as 8-bit trainId PNGs (255 =
 * ignored) into `outDir`. Class-median needs statistics over the whole set,
 * so it refuses a shard.
 */
export async function pseudoLabelSet(
  ds: FileDataset, segmenter: OnnxSession, mode: PseudoLabelMode, outDir: string, opts: InferenceOptions,
): Promise<PseudoLabelReport> {
  if (mode.kind === 'class-median' && opts.shard.worldSize > 1) {
    throw new Error('pseudo-label: class-median thresholds need the whole target set in one process; run it without --shard (or use kind "threshold")');
  }
  const total = shardLength(ds, opts.shard);
  let pass = 0;
  const source = (): AsyncIterable<PixelPrediction> => {
    pass++;
    return (async function* () {
      let done = 0;
      for await (const it of items(ds, opts.shard, opts.workers)) {
        const img = resizeRgb(it.image, opts.size);
        const logits = await segmenterLogits(segmenter, img);
        done++;
        opts.onImage?.(done, total * (mode.kind === 'class-median' ? 2 : 1));
        yield await predictionOf(it.name, logits, img.height, img.width);
      }
    })();
  };
  void pass;
  return generatePseudoLabels(source, async (name, labels, width, height) => {
    writePngAtomic(path.join(outDir, pngName(name)), { width, height, channels: 1, data: labels });
  }, mode);
}

/** What one evaluation shard stores: its confusion counts. */
interface EvalShardFile {
  images: number;
  counts: number[];
}

/**
 * Evaluates logits from `logitsOf` (ONNX or in-framework) on a labelled
 * set at the labels' native size (SPEC §6), optionally writing predictions.
 * Returns the confusion matrix of this shard.
 */
export async function evaluateSet(
  ds: FileDataset,
  logitsOf: LogitsOf,
  opts: InferenceOptions & { writePrediction?: (name: string, trainIds: Uint8Array, width: number, height: number) => void },
): Promise<{ matrix: ConfusionMatrix; images: number }> {
  const matrix = new ConfusionMatrix();
  const total = shardLength(ds, opts.shard);
  let done = 0;
  for await (const it of items(ds, opts.shard, opts.workers)) {
    if (!it.label) throw new Error(`evaluate: ${it.name} has no label`);
    const img = resizeRgb(it.image, opts.size);
    const logits = await logitsOf(img, it.name);
    const p = await predictionOf(it.name, logits, it.label.height, it.label.width);
    matrix.update({ data: p.labels, width: p.width, height: p.height }, { data: it.label.data, width: it.label.width, height: it.label.height }, it.name);
    opts.writePrediction?.(it.name, p.labels, p.width, p.height);
    done++;
    opts.onImage?.(done, total);
  }
  return { matrix, images: done };
}

/** Writes a shard's confusion counts (for `merge evaluate`). */
export function writeEvalShard(file: string, matrix: ConfusionMatrix, images: number): void {
  writeJsonAtomic(file, { images, counts: Array.from(matrix.counts) } satisfies EvalShardFile);
}

/** Sums the shard files of an evaluation; throws naming missing shards. */
export function mergeEvalShards(dir: string, worldSize: number): { summary: MiouResult; images: number; counts: Float64Array } {
  const matrix = new ConfusionMatrix();
  let images = 0;
  const missing: number[] = [];
  for (let r = 0; r < worldSize; r++) {
    const f = readJsonIfExists<EvalShardFile>(path.join(dir, `shard-${r}-of-${worldSize}.json`));
    if (!f) {
      missing.push(r);
      continue;
    }
    f.counts.forEach((v, i) => (matrix.counts[i] += v));
    images += f.images;
  }
  if (missing.length) throw new Error(`merge evaluate: shard(s) ${missing.join(', ')} of ${worldSize} missing in ${dir}`);
  return { summary: matrix.summary(), images, counts: matrix.counts };
}

export { PairedFileDataset };
