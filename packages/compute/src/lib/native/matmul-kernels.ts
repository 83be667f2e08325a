/**
 * BatchMatMul of the native backend: oneDNN's matmul primitive (native/src/
 * matmul.cc; transposes as strides, a batch of 1 broadcast) on every core —
 * the translator's spectral-norm power iterations (SPEC §2).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN } from './native-io';
import { tensorKernel } from './tensor-addon';

const batchMatMul = tensorKernel('BatchMatMul', ({ inputs, attrs, io, native }) => {
  const { a, b } = inputs as Record<'a' | 'b', tf.TensorInfo>;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const transposeA = !!attrs['transposeA'], transposeB = !!attrs['transposeB'];
  const ra = a.shape.length, rb = b.shape.length;
  const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (k !== kb) return null; // the JS kernel's error
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA), batchB = tf.util.sizeFromShape(outerB);
  // Equal batch dims, or one side a single matrix; other broadcasts stay on the JS kernel.
  const outer = batchA === 1 ? outerB : batchB === 1 ? outerA : tf.util.arraysEqual(outerA, outerB) ? outerA : null;
  if (!outer) return null;
  const rank = Math.max(ra, rb);
  const lead = new Array(Math.max(0, rank - 2 - outer.length)).fill(1);
  const out = io.outputFloat32([...lead, ...outer, m, n], OVERWRITTEN);
  native.matMul(io.float32(a), io.float32(b), out.values, batchA, batchB, m, k, n, transposeA, transposeB);
  return out.info;
});

/** The matrix-product kernels the addon computes. */
export const NATIVE_MATMUL_KERNELS: readonly NativeKernel[] = [batchMatMul];
