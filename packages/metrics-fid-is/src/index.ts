/** Public API of @semadapt/metrics-fid-is: FID and Inception Score on a user-supplied InceptionV3 ONNX model (SPEC §6). */
export * from './lib/api/metrics';
export { frechetDistance } from './lib/fid/frechet-distance';
export type { GaussianStats, FrechetOptions, FrechetResult } from './lib/fid/frechet-distance';
export { inceptionScore, softmaxRows } from './lib/fid/inception-score';
export type { InceptionScore } from './lib/fid/inception-score';
export { InceptionModel } from './lib/inception/inception-model';
export type { InceptionModelOptions, InceptionBatchOutput } from './lib/inception/inception-model';
export { preprocessForInception, bilinearWeights } from './lib/inception/preprocess';
export type { ResizeMode, InceptionNormalization, RgbImageLike } from './lib/inception/preprocess';
export { RunningMoments } from './lib/stats/running-moments';
export { saveStats, loadStats, loadStatsMetadata } from './lib/stats/stats-file';
export { statsProvenanceMismatches } from './lib/stats/provenance';
export type { StatsProvenance } from './lib/stats/stats-file';
export { computeStatistics, collectProbabilities } from './lib/extract/extract-features';
export type { ExtractOptions } from './lib/extract/extract-features';
export { listImageFiles, openImageSource } from './lib/extract/image-source';
export type { ImageSource, IndexedImages } from './lib/extract/image-source';
