import * as fs from 'fs';
import { computeStatistics, collectProbabilities, ExtractOptions } from '../extract/extract-features';
import { ImageSource } from '../extract/image-source';
import { frechetDistance, GaussianStats } from '../fid/frechet-distance';
import { inceptionScore } from '../fid/inception-score';
import { InceptionModel, InceptionModelOptions } from '../inception/inception-model';
import { loadStats, saveStats } from '../stats/stats-file';

/** What every result records, so numbers from different protocols are never mixed. */
export interface MetricProtocol {
  mode: 'legacy' | 'clean';
  normalization: string;
  resize: string;
  model: string;
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
  };
}

/** A statistics file (`.safetensors`) or a source to compute statistics from. */
async function statsOf(model: InceptionModel, side: ImageSource, options: ExtractOptions): Promise<{ stats: GaussianStats; describe: string }> {
  if (typeof side === 'string' && side.endsWith('.safetensors') && fs.existsSync(side) && fs.statSync(side).isFile()) {
    const { stats, metadata } = loadStats(side);
    if (metadata.mode && metadata.mode !== model.mode) {
      throw new Error(`Statistics ${side} were computed in '${metadata.mode}' mode; this run uses '${model.mode}'. FIDs across modes are not comparable.`);
    }
    return { stats, describe: `${side}${metadata.reference ? ` (${metadata.reference})` : ''}` };
  }
  return { stats: await computeStatistics(model, side, options), describe: typeof side === 'string' ? side : '<in-memory images>' };
}

/**
 * FID between two image sets; either side may be a saved statistics file
 * (`fid --inception model.onnx <dirA> <statsB>` in the CLI).
 */
export async function computeFid(
  inception: string | InceptionModel,
  a: ImageSource,
  b: ImageSource,
  options: ExtractOptions & InceptionModelOptions & { warn?: (m: string) => void } = {},
): Promise<FidResult> {
  const model = typeof inception === 'string' ? await InceptionModel.load(inception, options) : inception;
  try {
    const sa = await statsOf(model, a, options);
    const sb = await statsOf(model, b, options);
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
    const p = protocolOf(model);
    saveStats(file, stats, { mode: model.mode, model: p.model, reference, normalization: p.normalization, resize: p.resize });
    return stats;
  } finally {
    if (typeof inception === 'string') await model.release();
  }
}
