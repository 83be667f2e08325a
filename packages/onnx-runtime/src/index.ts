/** Public API of @semadapt/onnx-runtime: the one onnxruntime-node session type. */
export * from './lib/onnx-session';
