/**
 * `Identity` for the wasm backend without the copy. tfjs-wasm's stock kernel
 * allocates a new buffer and copies the tensor into it, and the engine runs
 * Identity for every tensor it saves for a backward pass (`clone`) — ~3,700
 * copies per full-width translator step. Tensors are immutable and the wasm
 * backend reference-counts its buffers (its own Reshape shares them the same
 * way), so the clone can share the input's memory, as the cpu backend's
 * Identity does.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The wasm backend's reference counting (tfjs-backend-wasm `BackendWasm.incRef`). */
interface RefCounted {
  incRef(dataId: tf.DataId): void;
}

export const identityWasmConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    (backend as unknown as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};
