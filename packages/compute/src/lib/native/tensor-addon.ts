/**
 * The addon's tensor kernels over the native backend's typed arrays, in
 * place: native/src/{binary,unary,reduce,layout,index,pool,resize}.cc are
 * multi-threaded OpenMP loops, matmul.cc and softmax.cc oneDNN primitives.
 * This file holds their interface and `tensorKernel`, which turns a kernel
 * body into an entry of `NATIVE_KERNELS` (kernels.ts). A body returns `null`
 * for the cases it leaves to the JS kernel it replaces (dtypes the loops do
 * not take, e.g. complex64 or string).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnKernels } from './addon';
import type { NativeKernel } from './kernels';
import { nativeIo, type NativeIo, type NativeValues } from './native-io';

/** The tensor-kernel part of the addon (absent from addons built before it). */
export interface TensorKernelsAddon {
  binary(op: number, a: NativeValues, aShape: number[], b: NativeValues, bShape: number[], out: NativeValues, outShape: number[]): void;
  unary(op: number, x: NativeValues, out: NativeValues, alpha: number, beta: number): void;
  cast(x: NativeValues, out: NativeValues): void;
  select(condition: Uint8Array, a: NativeValues, b: NativeValues, out: NativeValues): void;
  addN(inputs: NativeValues[], out: NativeValues): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  reduce(op: number, x: NativeValues, outer: number, reduced: number, inner: number, out: NativeValues): void;
  transpose(x: NativeValues, shape: number[], perm: number[], out: NativeValues): void;
  gather(x: NativeValues, xShape: number[], out: NativeValues, outShape: number[], maps: (Int32Array | null)[], padValue: number): void;
  fold(x: Float32Array, outer: number, from: number, inner: number, out: Float32Array, to: number, offsets: Int32Array, sources: Int32Array): void;
  concat(inputs: NativeValues[], rows: number, widths: number[], out: NativeValues): void;
  oneHot(indices: Int32Array, depth: number, onValue: number, offValue: number, out: NativeValues): void;
  gatherV2(x: NativeValues, batch: number, outer: number, dim: number, slice: number, indices: Int32Array, k: number, out: NativeValues): void;
  unsortedSegmentSum(x: Float32Array, segmentIds: Int32Array, numSegments: number, out: Float32Array): void;
  pool(kind: number, x: Float32Array, y: Float32Array, geometry: number[]): void;
  poolGrad(kind: number, dy: Float32Array, x: Float32Array | null, dx: Float32Array, geometry: number[]): void;
  resizeBilinear(x: Float32Array, y: Float32Array, n: number, h: number, w: number, c: number, oh: number, ow: number, alignCorners: boolean, halfPixelCenters: boolean): void;
  resizeBilinearGrad(dy: Float32Array, dx: Float32Array, n: number, h: number, w: number, c: number, oh: number, ow: number, alignCorners: boolean, halfPixelCenters: boolean): void;
  matMul(a: Float32Array, b: Float32Array, out: Float32Array, batchA: number, batchB: number, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): void;
}

/** The tensor kernels of `addon`, when it was built with them. */
export function tensorKernelsOf(addon: OneDnnKernels): TensorKernelsAddon | undefined {
  const t = addon as unknown as Partial<TensorKernelsAddon>;
  return typeof t.binary === 'function' && typeof t.gather === 'function' && typeof t.resizeBilinearGrad === 'function' ? (t as TensorKernelsAddon) : undefined;
}

/** The dtypes the loops store: float32, int32 and bool (Float32Array, Int32Array, Uint8Array). */
export function isPlainDtype(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

const ARRAY_OF: Partial<Record<tf.DataType, new (n: number) => NativeValues>> = { float32: Float32Array, int32: Int32Array, bool: Uint8Array };

/**
 * `io` whose `values` are always the typed array of the tensor's dtype. A
 * lossless tfjs Cast (int32 → float32, bool → int32) shares the input's
 * storage under the new dtype, so a float32 tensor may sit on an Int32Array;
 * such inputs are converted (natively) into a scratch array of the right type.
 */
function storedAsDtype(io: NativeIo, native: TensorKernelsAddon): NativeIo {
  const values = (info: tf.TensorInfo): NativeValues => {
    const stored = io.values(info);
    const Ctor = ARRAY_OF[info.dtype];
    if (!Ctor || stored instanceof Ctor) return stored;
    const converted = new Ctor(stored.length);
    native.cast(stored, converted);
    return converted;
  };
  return {
    ...io,
    values,
    float32: (info) => {
      io.float32(info); // its dtype check
      return values(info) as Float32Array;
    },
  };
}

/** What a kernel body receives. */
export interface TensorKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs: tf.NamedAttrMap;
  io: NativeIo;
  native: TensorKernelsAddon;
  backend: tf.KernelBackend;
}

/** A body computing the kernel, or `null` to run the JS kernel it replaces. */
export type TensorKernelBody = (args: TensorKernelArgs) => tf.TensorInfo | tf.TensorInfo[] | null;

/** A `NATIVE_KERNELS` entry running `body` through the addon's tensor kernels. */
export function tensorKernel(kernelName: string, body: TensorKernelBody): NativeKernel {
  return {
    kernelName,
    make: (addon, stock) => {
      const native = tensorKernelsOf(addon);
      const fallback = (args: Parameters<tf.KernelFunc>[0]) => {
        if (!stock) throw new Error(`native ${kernelName}: this case has no native loop and there is no JS kernel to run it`);
        return stock.kernelFunc(args);
      };
      if (!native) return fallback;
      return (args) => {
        const io = storedAsDtype(nativeIo(args.backend as tf.KernelBackend, kernelName), native);
        const result = body({ inputs: args.inputs, attrs: args.attrs ?? {}, io, native, backend: args.backend as tf.KernelBackend });
        return result ?? fallback(args);
      };
    },
  };
}
