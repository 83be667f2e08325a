import { InceptionModel } from '../inception/inception-model';
import { RunningMoments } from '../stats/running-moments';
import { GaussianStats } from '../fid/frechet-distance';
import { softmaxRows } from '../fid/inception-score';
import { ImageSource, openImageSource } from './image-source';
import type { RgbImageLike } from '../inception/preprocess';

export interface ExtractOptions {
  /** Images per onnxruntime call. Default 16. */
  batchSize?: number;
  /** Called after each batch (the pipeline draws its progress bar from it). */
  onProgress?: (done: number, total: number) => void;
}

/** Stream a source through the model batch by batch; `consume` sees each batch's outputs. */
async function streamBatches(
  model: InceptionModel,
  source: ImageSource,
  options: ExtractOptions,
  consume: (out: { features?: Float32Array; logits?: Float32Array }, rows: number) => void,
): Promise<number> {
  const images = openImageSource(source);
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  for (let start = 0; start < images.length; start += batchSize) {
    const batch: RgbImageLike[] = [];
    for (let i = start; i < Math.min(start + batchSize, images.length); i++) batch.push(await images.get(i));
    consume(await model.run(batch), batch.length);
    options.onProgress?.(start + batch.length, images.length);
  }
  return images.length;
}

/** Float64 mean and covariance of the pool3 features of every image of a source. */
export async function computeStatistics(model: InceptionModel, source: ImageSource, options: ExtractOptions = {}): Promise<GaussianStats> {
  if (!model.featuresOutput) throw new Error(`Inception model ${model.file} has no pool3 (2048-d) output: FID needs one`);
  const moments = new RunningMoments(model.featureDim);
  await streamBatches(model, source, options, (out, rows) => moments.addBatch(out.features as Float32Array, rows));
  return { mu: moments.mean(), sigma: moments.covariance(), count: moments.count };
}

/** Class probabilities p(y|x) of every image (softmax of the logits unless the model outputs probabilities). */
export async function collectProbabilities(model: InceptionModel, source: ImageSource, options: ExtractOptions = {}): Promise<{ probs: Float64Array; count: number }> {
  if (!model.logitsOutput) throw new Error(`Inception model ${model.file} has no class output (1000/1008): IS needs one`);
  const parts: Float64Array[] = [];
  const count = await streamBatches(model, source, options, (out, rows) => {
    const l = out.logits as Float32Array;
    parts.push(model.outputsProbabilities ? Float64Array.from(l) : softmaxRows(l, rows, model.classes));
  });
  const probs = new Float64Array(count * model.classes);
  let o = 0;
  for (const p of parts) {
    probs.set(p, o);
    o += p.length;
  }
  return { probs, count };
}
