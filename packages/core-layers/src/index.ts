/** Public API of @semadapt/core-layers. */
export * from './lib/module/module';
export * from './lib/onnx/onnx-graph';
export * from './lib/init/rng';
export * from './lib/backend/init-backend';
export * from './lib/backend/register-kernels';
export * from './lib/layout';
export * from './lib/init/initializers';
export * from './lib/layers/index';
export * from './lib/onnx/onnx-constants';
export * from './lib/onnx/onnx-builder';
export * from './lib/onnx/export-onnx';
export * from './lib/onnx/run-onnx';
export * from './lib/onnx/check-onnx';
