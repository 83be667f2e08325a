/** Public API of @semadapt/data-core. */
export * from './lib/image/image';
export * from './lib/codec/png';
export * from './lib/codec/jpeg';
export * from './lib/codec/read-image';
export * from './lib/random/rng';
export * from './lib/transform/resize';
export * from './lib/transform/geometry';
export * from './lib/transform/normalize';
export * from './lib/transform/remap';
export * from './lib/labels/train-ids';
export * from './lib/dataset/split-list';
export * from './lib/dataset/sample';
export * from './lib/dataset/dataset';
export * from './lib/loader/shard';
export * from './lib/loader/data-loader';
export * from './lib/scenegen';
