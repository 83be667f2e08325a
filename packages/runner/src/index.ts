/** Public API of @semadapt/runner: the method-free machinery every run goes through. */
export * from './lib/run/atomic';
export * from './lib/run/manifest';
export * from './lib/run/ownership';
export * from './lib/run/run-dir';
export * from './lib/run/metrics-stream';
export * from './lib/run/stage-id';
export * from './lib/run/stage-markers';
export * from './lib/train/interrupt';
export * from './lib/train/progress';
export * from './lib/train/training-loop';
