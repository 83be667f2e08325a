/**
 * Elementwise binary kernels of the native backend (native/src/binary.cc):
 * arithmetic on float32 and int32, comparisons and logical ops writing bool,
 * all with numpy broadcasting, on every core. Complex and mixed-dtype inputs
 * stay on the JS kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN } from './native-io';
import { RELU_GRAD } from '../relu-grad-kernel';
import { isPlainDtype, tensorKernel } from './tensor-addon';

/** Op codes of binary.cc. */
const ARITHMETIC: Record<string, number> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, Pow: 6, SquaredDifference: 7, FloorDiv: 8,
};
const COMPARISON: Record<string, number> = {
  Greater: 10, GreaterEqual: 11, Less: 12, LessEqual: 13, Equal: 14, NotEqual: 15, LogicalAnd: 16, LogicalOr: 17,
};
/** Arithmetic the loops compute in float32 only (tfjs's int32 versions of these stay JS). */
const FLOAT_ONLY = new Set(['RealDiv', 'Pow']);
/** FloorDiv writes int32 (tfjs's contract); the loop takes int32 inputs only. */
const INT_ONLY = new Set(['FloorDiv']);

function binaryKernel(kernelName: string, op: number, comparison: boolean): NativeKernel {
  return tensorKernel(kernelName, ({ inputs, io, native }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== b.dtype || !isPlainDtype(a.dtype)) return null;
    if (!comparison && (a.dtype === 'bool' || (a.dtype === 'int32' && FLOAT_ONLY.has(kernelName)) || (a.dtype === 'float32' && INT_ONLY.has(kernelName)))) return null;
    if ((kernelName === 'LogicalAnd' || kernelName === 'LogicalOr') && a.dtype !== 'bool') return null;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = io.output(shape, comparison ? 'bool' : a.dtype, OVERWRITTEN);
    native.binary(op, io.values(a), a.shape, io.values(b), b.shape, out.values, shape);
    return out.info;
  });
}

/** binary.cc's dy·step(y) (relu-grad-kernel.ts); float32 of one shape, as `reluGrad` gives it. */
const RELU_GRAD_OP = 9;

const reluGradKernel = tensorKernel(RELU_GRAD, ({ inputs, io, native }) => {
  const { dy, y } = inputs as Record<'dy' | 'y', tf.TensorInfo>;
  if (dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape)) return null;
  const out = io.output(dy.shape, 'float32', OVERWRITTEN);
  native.binary(RELU_GRAD_OP, io.values(dy), dy.shape, io.values(y), y.shape, out.values, dy.shape);
  return out.info;
});

/** Every binary kernel the addon computes. */
export const NATIVE_BINARY_KERNELS: readonly NativeKernel[] = [
  ...Object.entries(ARITHMETIC).map(([name, op]) => binaryKernel(name, op, false)),
  ...Object.entries(COMPARISON).map(([name, op]) => binaryKernel(name, op, true)),
  reluGradKernel,
];
