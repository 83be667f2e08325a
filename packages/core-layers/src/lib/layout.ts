/**
 * Weight layouts. Inside core-layers activations are NHWC and filters follow
 * tfjs: conv filters HWIO `[kh, kw, in, out]`, transposed-conv filters HWOI
 * `[kh, kw, out, in]`. ONNX graphs and PyTorch are NCHW with conv weights
 * OIHW `[out, in, kh, kw]` and transposed-conv weights IOHW `[in, out, kh, kw]`
 * (PyTorch's `ConvTranspose2d.weight`, ONNX `ConvTranspose` W).
 *
 * Tensor converters (`tf.transpose`) and typed-array converters (for ONNX
 * initializers and weight files) are both provided; each pair is mutually
 * inverse.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Conv filter HWIO → OIHW (ONNX `Conv` W, PyTorch `Conv2d.weight`). */
export function hwioToOihw(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(w, [3, 2, 0, 1]);
}

/** Conv filter OIHW → HWIO. */
export function oihwToHwio(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(w, [2, 3, 1, 0]);
}

/** Transposed-conv filter HWOI (tfjs) → IOHW (ONNX `ConvTranspose` W, PyTorch `ConvTranspose2d.weight`). */
export function hwoiToIohw(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(w, [3, 2, 0, 1]);
}

/** Transposed-conv filter IOHW → HWOI. */
export function iohwToHwoi(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(w, [2, 3, 1, 0]);
}

/** Activations NHWC → NCHW. */
export function nhwcToNchw(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]);
}

/** Activations NCHW → NHWC. */
export function nchwToNhwc(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]);
}

/**
 * Permute a row-major 4-D array: `out[i_perm[0], ...] = data[i0, i1, i2, i3]`
 * with the semantics of `tf.transpose(x, perm)` (output axis k is input axis perm[k]).
 */
export function transpose4d(data: ArrayLike<number>, dims: readonly number[], perm: readonly number[]): { data: Float32Array; dims: number[] } {
  if (dims.length !== 4 || perm.length !== 4) throw new Error(`transpose4d: expected 4 dims and a 4-perm, received dims=[${dims}] perm=[${perm}]`);
  const size = dims[0] * dims[1] * dims[2] * dims[3];
  if (data.length !== size) throw new Error(`transpose4d: data has ${data.length} values, dims [${dims}] need ${size}`);
  const outDims = perm.map((p) => dims[p]);
  const inStrides = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
  const s = perm.map((p) => inStrides[p]);
  const out = new Float32Array(size);
  let o = 0;
  for (let a = 0; a < outDims[0]; a++)
    for (let b = 0; b < outDims[1]; b++)
      for (let c = 0; c < outDims[2]; c++)
        for (let d = 0; d < outDims[3]; d++) out[o++] = data[a * s[0] + b * s[1] + c * s[2] + d * s[3]];
  return { data: out, dims: outDims };
}

/** HWIO array → OIHW array. */
export function hwioToOihwArray(data: ArrayLike<number>, hwio: readonly number[]): { data: Float32Array; dims: number[] } {
  return transpose4d(data, hwio, [3, 2, 0, 1]);
}

/** OIHW array → HWIO array. */
export function oihwToHwioArray(data: ArrayLike<number>, oihw: readonly number[]): { data: Float32Array; dims: number[] } {
  return transpose4d(data, oihw, [2, 3, 1, 0]);
}

/** HWOI array → IOHW array. */
export function hwoiToIohwArray(data: ArrayLike<number>, hwoi: readonly number[]): { data: Float32Array; dims: number[] } {
  return transpose4d(data, hwoi, [3, 2, 0, 1]);
}

/** IOHW array → HWOI array. */
export function iohwToHwoiArray(data: ArrayLike<number>, iohw: readonly number[]): { data: Float32Array; dims: number[] } {
  return transpose4d(data, iohw, [2, 3, 1, 0]);
}
