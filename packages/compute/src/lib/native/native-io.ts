/**
 * How a native-backend kernel reaches tensor memory: each tensor's values
 * are one typed array (Float32Array for float32, Int32Array for int32,
 * Uint8Array for bool) in the backend's data store. A kernel reads its
 * inputs' arrays, allocates its outputs' arrays, and passes both to the addon,
 * which computes in place: nothing is copied.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The typed array behind each dtype. */
export type NativeValues = Float32Array | Int32Array | Uint8Array;

const ARRAY_OF: Partial<Record<tf.DataType, new (n: number) => NativeValues>> = { float32: Float32Array, int32: Int32Array, bool: Uint8Array };

/** How a kernel fills an output. */
export interface OutputOptions {
  /**
   * The kernel writes every element (its loop or primitive never reads the
   * output first nor skips an element), so the native backend may hand it
   * memory a disposed tensor left dirty instead of zero-filling it: one pass
   * over the output's bytes saved. Default false (zero-filled).
   */
  overwritten?: boolean;
}

/** The options of an output the kernel writes in full. */
export const OVERWRITTEN: OutputOptions = Object.freeze({ overwritten: true });

/** Reads inputs and allocates outputs of a kernel running on the native (or cpu) backend. */
export interface NativeIo {
  /** The values of an input, as stored (no copy). */
  values(info: tf.TensorInfo): NativeValues;
  /** The float32 values of an input; throws naming the kernel for another dtype. */
  float32(info: tf.TensorInfo): Float32Array;
  /** A new output tensor of `shape` and its values (zero-filled unless `options.overwritten`), which the kernel then writes. */
  output(shape: number[], dtype?: tf.DataType, options?: OutputOptions): { info: tf.TensorInfo; values: NativeValues };
  /** A new float32 output tensor and its values. */
  outputFloat32(shape: number[], options?: OutputOptions): { info: tf.TensorInfo; values: Float32Array };
}

/** The io of `backend` (a `NativeBackend` or tfjs-backend-cpu's) for kernel `kernelName` (named in errors). */
export function nativeIo(backend: tf.KernelBackend, kernelName: string): NativeIo {
  // tfjs-backend-cpu's data store and makeTensorInfo are reached through their documented-in-source fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const b = backend as any;
  const values = (info: tf.TensorInfo) => b.data.get(info.dataId).values as NativeValues;
  const output = (shape: number[], dtype: tf.DataType = 'float32', options: OutputOptions = {}) => {
    const Ctor = ARRAY_OF[dtype];
    if (!Ctor) throw new Error(`${kernelName}: native kernels write float32, int32 or bool outputs, not ${dtype}`);
    const n = tf.util.sizeFromShape(shape);
    // The native backend's allocator (zero-filled unless overwritten), else a new (zeroed) JS array.
    const v: NativeValues = b.allocate ? b.allocate(Ctor, n, options.overwritten === true) : new Ctor(n);
    return { info: b.makeTensorInfo(shape, dtype, v) as tf.TensorInfo, values: v };
  };
  return {
    values,
    float32: (info) => {
      if (info.dtype !== 'float32') throw new Error(`${kernelName}: expected a float32 input, received ${info.dtype} [${info.shape}]`);
      return values(info) as Float32Array;
    },
    output,
    outputFloat32: (shape, options) => output(shape, 'float32', options) as { info: tf.TensorInfo; values: Float32Array },
  };
}
