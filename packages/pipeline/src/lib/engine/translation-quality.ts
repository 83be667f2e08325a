/**
 * Translation quality of one round (SPEC §6, paper Table 4): FID of the
 * translated source set against the target train set and the Inception Score
 * of the translated set, through @semadapt/metrics-fid-is on the user's
 * InceptionV3 ONNX file. Both sets are read at the inference size the
 * translate stage wrote (`data.inferSize ?? data.resize`); the target train
 * statistics are computed once per run (or read from `metrics.referenceStats`)
 * and reused only while they match the Inception model (weights hash, mode,
 * resize, normalization, features output).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FileDataset, ImageU8 } from '@semadapt/data-core';
import type { IndexedImages } from '@semadapt/metrics-fid-is';
import type { RunConfig } from '../config/run-config';
import type { TranslationQuality } from './adapt-summary';
import { resizeRgb } from './inference';

/** A dataset's images resized to `size` ([w, h]), as the metrics read them. */
export function resizedImages(ds: FileDataset, size: readonly [number, number]): IndexedImages {
  return { length: ds.length, get: async (i) => resizeRgb((await ds.get(i)).image as ImageU8, size) };
}

export interface QualityInputs {
  /** The set to score: a folder of PNGs (a round's translations) or images (round 0's untranslated source). */
  images: string | IndexedImages;
  /** The reference: target train images, read only when the target statistics are (re)computed. */
  target: IndexedImages;
  /** The run's own cache of the target statistics, used when `metrics.referenceStats` is null. */
  cacheFile: string;
  onProgress?: (done: number, total: number) => void;
  warn?: (m: string) => void;
  /** Run log lines (why cached statistics were recomputed). */
  log?: (m: string) => void;
}

/** FID against the target statistics and IS, with the run's `metrics` settings. */
export async function measureTranslation(metrics: RunConfig['metrics'], inputs: QualityInputs): Promise<TranslationQuality> {
  if (!metrics.inception) throw new Error('metrics.inception: no Inception model configured (adapt --inception FILE)');
  const m = await import('@semadapt/metrics-fid-is');
  const model = await m.InceptionModel.load(metrics.inception, {
    mode: metrics.mode,
    normalization: metrics.normalization,
    featuresOutput: metrics.featuresOutput ?? undefined,
    logitsOutput: metrics.logitsOutput ?? undefined,
  });
  try {
    const options = { onProgress: inputs.onProgress, warn: inputs.warn };
    const statsFile = metrics.referenceStats ?? inputs.cacheFile;
    let compute = !fs.existsSync(statsFile);
    if (!compute) {
      const mismatches = m.referenceStatsMismatches(model, statsFile);
      if (mismatches.length && metrics.referenceStats !== null) {
        // The user's file may serve other runs: never overwritten, and never used with another model.
        throw new Error(
          `metrics.referenceStats: ${statsFile} was not made by metrics.inception ${metrics.inception} with this run's metrics settings — ${mismatches.join('; ')}. ` +
            `Point metrics.referenceStats at statistics of this model (or at a new path, where they are computed), or use the model and settings that made them.`,
        );
      }
      if (mismatches.length) {
        inputs.log?.(`target train statistics ${statsFile} do not match the Inception model (${mismatches.join('; ')}); recomputing them`);
        compute = true;
      }
    }
    if (compute) {
      fs.mkdirSync(path.dirname(statsFile), { recursive: true });
      await m.saveReferenceStatistics(model, inputs.target, statsFile, 'target train', options);
    }
    const fid = await m.computeFid(model, inputs.images, statsFile, options);
    const is = await m.computeInceptionScore(model, inputs.images, { ...options, splits: metrics.isSplits });
    return { fid: fid.fid, is: { mean: is.mean, std: is.std }, images: fid.counts.a };
  } finally {
    await model.release();
  }
}
