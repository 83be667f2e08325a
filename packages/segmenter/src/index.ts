/** Public API of @semadapt/segmenter. */
export * from './lib/metrics/confusion-matrix';
export * from './lib/pseudo-labels/pseudo-labels';
export * from './lib/pseudo-labels/prediction';
