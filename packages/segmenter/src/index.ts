/** Public API of @semadapt/segmenter. */
export * from './lib/metrics/confusion-matrix';
export * from './lib/pseudo-labels/pseudo-labels';
export * from './lib/pseudo-labels/prediction';
export * from './lib/networks/segmenter';
export * from './lib/networks/segmenter-input';
export * from './lib/networks/bottleneck';
export * from './lib/networks/deeplab-v2';
export * from './lib/networks/fcn8s';
export * from './lib/networks/output-discriminator';
export * from './lib/weights/segmenter-weights';
export * from './lib/weights/segmenter-onnx';
export * from './lib/training/segmenter-trainer';
export * from './lib/training/layer-random-streams';
export * from './lib/training/probe-segmenter-config';
export * from './lib/config/segmenter-config';
export * from './lib/networks/segmenter-factory';
