/**
 * The `native` tfjs backend: tensors in plain JS typed arrays (tfjs-backend-
 * cpu's data store: one array per tensor, any size, no wasm32 4 GB heap),
 * every cpu kernel registered for it, and the hot ones replaced by the
 * addon's (oneDNN primitives and OpenMP loops on all cores) working in place
 * on those arrays (native/kernels.ts). It exists only where the addon loads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeKernels } from './addon';
import { TensorArrays, type BlockAllocator, type TensorArray, type TensorArrayConstructor } from './tensor-arrays';

type BackendValues = tf.backend_util.BackendValues;

/** The tfjs name of the backend. */
export const NATIVE_BACKEND = 'native';

/** What of tfjs-backend-cpu's data store this class reaches (its documented-in-source fields). */
type DataStore = { get(dataId: object): { values?: unknown } | undefined; has(dataId: object): boolean };

/**
 * tfjs-backend-cpu's backend under another name; its kernels are registered
 * separately. Large kernel outputs are blocks of the addon's allocator, freed
 * when their tensor is disposed or kept in a bounded pool for the next
 * output of their size (tensor-arrays.ts), which keeps resident memory near
 * the live tensors' bytes instead of waiting for the GC.
 */
export class NativeBackend extends MathBackendCPU {
  readonly arrays: TensorArrays;

  constructor() {
    super();
    // tfjs-backend-cpu prints an "install tfjs-node" banner on its first tensor; not ours to print.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    this.arrays = new TensorArrays(blockAllocator());
  }

  /** An output array of `n` elements; zero-filled unless the caller writes every element (`overwritten`). */
  allocate(Ctor: TensorArrayConstructor, n: number, overwritten = false): TensorArray {
    return this.arrays.take(Ctor, n, overwritten);
  }

  override write(values: BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    this.arrays.retain(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: tf.DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.arrays.retain(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: tf.DataId): BackendValues {
    const values = super.readSync(dataId);
    this.arrays.expose(values);
    return values;
  }

  override dispose(): void {
    super.dispose();
    this.arrays.drain();
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const store = (this as unknown as { data: DataStore }).data;
    const values = store.get(dataId as object)?.values;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !store.has(dataId as object)) this.arrays.release(values);
    return released;
  }
}

/** The addon's block allocator; null for an addon built before it (outputs are then JS arrays). */
function blockAllocator(): BlockAllocator | null {
  const { addon } = loadNativeKernels();
  return addon?.allocate && addon.release ? { allocate: addon.allocate, release: addon.release } : null;
}

/** Registers the backend factory once (the kernels are the registrar's: register-kernels.ts). */
export function registerNativeBackendFactory(): void {
  if (tf.findBackendFactory(NATIVE_BACKEND)) return;
  // Priority below wasm's and cpu's: only chosen by name (initBackend decides the order).
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
}
