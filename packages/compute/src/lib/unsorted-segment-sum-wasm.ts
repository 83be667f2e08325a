/**
 * `UnsortedSegmentSum` for tfjs-backend-wasm, which lacks it; tfjs uses it
 * for the gradient of `gather` (e.g. picking class scores by label). Written
 * as one-hot(segmentIds)ᵀ · x with the wasm kernels: out-of-range ids give an
 * all-zero one-hot row and are dropped, as in TensorFlow.
 */
import * as tf from '@tensorflow/tfjs-core';

function unsortedSegmentSumWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = args.attrs['numSegments'] as number;
  const { backend } = args;
  const run = (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo =>
    tf.getKernel(name, 'wasm').kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
  const n = tf.util.sizeFromShape(segmentIds.shape);
  const rest = x.shape.slice(segmentIds.shape.length);
  const restSize = tf.util.sizeFromShape(rest);
  const tmp: tf.TensorInfo[] = [];
  try {
    const ids = run('Reshape', { x: segmentIds }, { shape: [n] });
    tmp.push(ids);
    const idsInt = ids.dtype === 'int32' ? ids : run('Cast', { x: ids }, { dtype: 'int32' });
    if (idsInt !== ids) tmp.push(idsInt);
    // wasm's OneHot writes int32 values whatever its dtype attribute says: ask for int32, then cast.
    const oneHotInt = run('OneHot', { indices: idsInt }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
    tmp.push(oneHotInt);
    const oneHot = run('Cast', { x: oneHotInt }, { dtype: 'float32' });
    tmp.push(oneHot);
    const a = run('Reshape', { x: oneHot }, { shape: [1, n, numSegments] });
    tmp.push(a);
    const b = run('Reshape', { x }, { shape: [1, n, restSize] });
    tmp.push(b);
    const prod = run('BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
    tmp.push(prod);
    return run('Reshape', { x: prod }, { shape: [numSegments, ...rest] });
  } finally {
    for (const t of tmp) backend.disposeData(t.dataId);
  }
}

/** Kernel config; registered by its backend registrar (register-kernels.ts). */
export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
