/**
 * Direct access to a backend's float32 tensor memory, for kernels written
 * in JS or native code that read inputs and write outputs in place: the
 * wasm backend's tensors live in its `WebAssembly.Memory` (views at each
 * tensor's offset), the cpu and native backends' in plain typed arrays (one
 * per tensor, any size: no 4 GB heap).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The backends whose tensor memory `backendMemory` can reach. */
export type MemoryBackend = 'wasm' | 'cpu' | 'native';

export type BackendMemory = {
  read(info: tf.TensorInfo): Float32Array;
  /**
   * Allocates an output; `view()` must be called after every other allocation (wasm memory may grow and move).
   * Zero-filled on cpu/native unless `overwritten` (the kernel writes every element); never on wasm.
   */
  alloc(shape: number[], overwritten?: boolean): { info: tf.TensorInfo; view(): Float32Array };
};

export function backendMemory(backend: tf.KernelBackend, name: MemoryBackend): BackendMemory {
  // Both backends' internals are reached through their documented-in-source fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const b = backend as any;
  if (name === 'wasm') {
    const heap = () => b.wasm.HEAPU8.buffer as ArrayBuffer;
    return {
      read: (t) => new Float32Array(heap(), b.dataIdMap.get(t.dataId).memoryOffset, tf.util.sizeFromShape(t.shape)),
      alloc: (shape) => {
        const info = b.makeOutput(shape, 'float32') as tf.TensorInfo;
        const size = tf.util.sizeFromShape(shape);
        const offset = b.dataIdMap.get(info.dataId).memoryOffset as number;
        // malloc returns 0 when the heap cannot grow (wasm32: 4 GB in all).
        if (size > 0 && (!offset || offset + 4 * size > heap().byteLength)) {
          const heapGb = (heap().byteLength / 2 ** 30).toFixed(2);
          throw new Error(
            `wasm backend out of memory: cannot allocate a float32 [${shape}] tensor (${((4 * size) / 2 ** 20).toFixed(1)} MB) with the heap at ${heapGb} GB ` +
              `of wasm32's 4 GB; use a smaller crop or batch, or a tfjs-node backend (no such cap)`,
          );
        }
        return { info, view: () => new Float32Array(heap(), b.dataIdMap.get(info.dataId).memoryOffset, size) };
      },
    };
  }
  return {
    read: (t) => b.data.get(t.dataId).values as Float32Array,
    alloc: (shape, overwritten = false) => {
      const n = tf.util.sizeFromShape(shape);
      // The native backend's allocator (zero-filled unless overwritten), else a new (zeroed) array.
      const values = (b.allocate ? b.allocate(Float32Array, n, overwritten) : new Float32Array(n)) as Float32Array;
      return { info: b.makeTensorInfo(shape, 'float32', values), view: () => values };
    },
  };
}
