import * as fs from 'fs';
import { computeStatistics, collectProbabilities, ExtractOptions } from '../extract/extract-features';
import { ImageSource } from '../extract/image-source';
import { frechetDistance, GaussianStats } from '../fid/frechet-distance';
import { inceptionScore } from '../fid/inception-score';
import { InceptionModel, InceptionModelOptions } from '../inception/inception-model';
import { statsProvenanceMismatches } from '../stats/provenance';
import { loadStats, loadStatsMetadata, saveStats, StatsProvenance } from '../stats/stats-file';

/** What every result records, so numbers from different protocols are never mixed. */
export interface MetricProtocol {
  mode: 'legacy' | 'clean';
  normalization: string;
  resize: string;
  model: string;
  /** SHA-256 of the model file's bytes: the weights' identity, whatever the path. */
  modelSha256: string;
}

export interface FidResult extends MetricProtocol {
  metric: 'fid';
  fid: number;
  counts: { a: number; b: number };
  /** The reference side: a folder, or a statistics file and what it describes. */
  reference: string;
  singularCovariance: boolean;
}

export interface IsResult extends MetricProtocol {
  metric: 'is';
  mean: number;
  std: number;
  splits: number;
  count: number;
}

function protocolOf(model: InceptionModel): MetricProtocol {
  return {
    mode: model.mode,
    normalization: model.normalization,
    resize: model.mode === 'legacy' ? '299x299 bilinear (align_corners=False, no antialias) on [0,1]' : '299x299 PIL-bicubic antialiased, float, no quantization',
    model: model.file,
    modelSha256: model.sha256,
  };
}

/** What a statistics file made with `model` records. */
function statsProvenanceOf(model: InceptionModel, reference?: string): StatsProvenance {
  const p = protocolOf(model);
  return { ...p, features: model.featuresOutput ?? 'none', reference };
}

/**
 * How the statistics file `file` differs from what `model` would make (see
 * `statsProvenanceMismatches`); empty when it may be used with this model.
 * Reads the file's header only.
 */
export function referenceStatsMismatches(model: InceptionModel, file: string): string[] {
  return statsProvenanceMismatches(loadStatsMetadata(file), statsProvenanceOf(model));
}

function mismatchError(file: string, mismatches: string[]): Error {
  return new Error(
    `Statistics ${file} were not made by this Inception model and protocol, so an FID against them would be wrong — ${mismatches.join('; ')}. ` +
      `Recompute them with this model (saveReferenceStatistics, or semadapt fid --save-stats FILE), or use the model and options that made them.`,
  );
}

const isStatsFile = (side: ImageSource): side is string =>
  typeof side === 'string' && side.endsWith('.safetensors') && fs.existsSync(side) && fs.statSync(side).isFile();

/** A statistics file (`.safetensors`), checked against the model, or a source to compute statistics from. */
async function statsOf(model: InceptionModel, side: ImageSource, options: ExtractOptions): Promise<{ stats: GaussianStats; describe: string }> {
  if (isStatsFile(side)) {
    const { stats, metadata } = loadStats(side);
    const mismatches = statsProvenanceMismatches(metadata, statsProvenanceOf(model));
    if (mismatches.length) throw mismatchError(side, mismatches);
    return { stats, describe: `${side}${metadata.reference ? ` (${metadata.reference})` : ''}` };
  }
  return { stats: await computeStatistics(model, side, options), describe: typeof side === 'string' ? side : '<in-memory images>' };
}

/**
 * FID between two image sets; either side may be a saved statistics file
 * (`fid --inception model.onnx <dirA> <statsB>` in the CLI), which must have
 * been made by the same weights (SHA-256), mode, resize, normalization and
 * features output, else this throws naming the file and each difference.
 */
export async function computeFid(
  inception: string | InceptionModel,
  a: ImageSource,
  b: ImageSource,
  options: ExtractOptions & InceptionModelOptions & { warn?: (m: string) => void } = {},
): Promise<FidResult> {
  const model = typeof inception === 'string' ? await InceptionModel.load(inception, options) : inception;
  try {
    // A statistics file first: one that does not match fails before any image is read.
    const fileB = isStatsFile(b) ? await statsOf(model, b, options) : undefined;
    const sa = await statsOf(model, a, options);
    const sb = fileB ?? (await statsOf(model, b, options));
    const r = frechetDistance(sa.stats, sb.stats, { warn: options.warn });
    return { metric: 'fid', fid: r.fid, counts: { a: sa.stats.count, b: sb.stats.count }, reference: sb.describe, singularCovariance: r.offsetApplied, ...protocolOf(model) };
  } finally {
    if (typeof inception === 'string') await model.release();
  }
}

/** Inception Score of an image set (`is --inception model.onnx <dir>`). */
export async function computeInceptionScore(
  inception: string | InceptionModel,
  source: ImageSource,
  options: ExtractOptions & InceptionModelOptions & { splits?: number } = {},
): Promise<IsResult> {
  const model = typeof inception === 'string' ? await InceptionModel.load(inception, options) : inception;
  try {
    const { probs, count } = await collectProbabilities(model, source, options);
    const r = inceptionScore(probs, count, model.classes, options.splits ?? 10);
    return { metric: 'is', mean: r.mean, std: r.std, splits: r.splits, count: r.count, ...protocolOf(model) };
  } finally {
    if (typeof inception === 'string') await model.release();
  }
}

/** Compute and save reference statistics once (e.g. Cityscapes train). */
export async function saveReferenceStatistics(
  inception: string | InceptionModel,
  source: ImageSource,
  file: string,
  reference: string,
  options: ExtractOptions & InceptionModelOptions = {},
): Promise<GaussianStats> {
  const model = typeof inception === 'string' ? await InceptionModel.load(inception, options) : inception;
  try {
    const stats = await computeStatistics(model, source, options);
    saveStats(file, stats, statsProvenanceOf(model, reference));
    return stats;
  } finally {
    if (typeof inception === 'string') await model.release();
  }
}
