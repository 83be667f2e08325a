/**
 * The `native` tfjs backend: tensors in plain JS typed arrays (tfjs-backend-
 * cpu's data store: one array per tensor, any size, no wasm32 4 GB heap),
 * every cpu kernel registered for it, and the hot ones replaced by the
 * addon's (oneDNN primitives and OpenMP loops on all cores) working in place
 * on those arrays (native/kernels.ts). It exists only where the addon loads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ArrayPool, type PooledArray, type PooledArrayConstructor } from './array-pool';

type BackendValues = tf.backend_util.BackendValues;

/** The tfjs name of the backend. */
export const NATIVE_BACKEND = 'native';

/** Default bound of the pool of free output arrays, MiB: 0, off (`SEMADAPT_NATIVE_POOL_MB` sets one). The pool trades peak memory (≈ its bound) for speed; see the package README. */
export const DEFAULT_POOL_MB = 0;

/** What of tfjs-backend-cpu's data store this class reaches (its documented-in-source fields). */
type DataStore = { get(dataId: object): { values?: unknown } | undefined; has(dataId: object): boolean };

/**
 * tfjs-backend-cpu's backend under another name; its kernels are registered
 * separately. Large kernel outputs come from a pool of the arrays of
 * disposed tensors (array-pool.ts: `allocate`), which keeps resident memory
 * near the live tensors' bytes instead of waiting for the GC.
 */
export class NativeBackend extends MathBackendCPU {
  pool: ArrayPool;

  constructor() {
    super();
    // tfjs-backend-cpu prints an "install tfjs-node" banner on its first tensor; not ours to print.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    const mb = Number(process.env['SEMADAPT_NATIVE_POOL_MB'] ?? DEFAULT_POOL_MB);
    if (!(Number.isFinite(mb) && mb >= 0)) throw new Error(`SEMADAPT_NATIVE_POOL_MB must be a number ≥ 0 (MiB), received ${JSON.stringify(process.env['SEMADAPT_NATIVE_POOL_MB'])}`);
    this.pool = new ArrayPool(mb * 2 ** 20);
  }

  /** Replaces the pool by one holding at most `limitBytes` (0: off); arrays already out are then never pooled. */
  setPoolLimit(limitBytes: number): void {
    this.pool.clear();
    this.pool = new ArrayPool(limitBytes);
  }

  /** An output array of `n` elements; zero-filled unless the caller writes every element (`overwritten`). */
  allocate(Ctor: PooledArrayConstructor, n: number, overwritten = false): PooledArray {
    return this.pool.take(Ctor, n, overwritten);
  }

  override write(values: BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    this.pool.retain(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: tf.DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.pool.retain(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: tf.DataId): BackendValues {
    const values = super.readSync(dataId);
    this.pool.expose(values);
    return values;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const store = (this as unknown as { data: DataStore }).data;
    const values = store.get(dataId as object)?.values;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !store.has(dataId as object)) this.pool.release(values);
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

/** Registers the backend factory once (the kernels are the registrar's: register-kernels.ts). */
export function registerNativeBackendFactory(): void {
  if (tf.findBackendFactory(NATIVE_BACKEND)) return;
  // Priority below wasm's and cpu's: only chosen by name (initBackend decides the order).
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
}
