/**
 * Elementwise unary kernels of the native backend (native/src/unary.cc):
 * activations and math functions on float32, Cast, Select (tf.where) and AddN
 * (gradient accumulation), on every core; Softmax over the last axis by
 * oneDNN's softmax primitive (native/src/softmax.cc).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN, type NativeValues } from './native-io';
import { isPlainDtype, tensorKernel } from './tensor-addon';

/** Op codes of unary.cc, with the attrs that become its (alpha, beta). */
const UNARY: Record<string, { op: number; params?: (attrs: tf.NamedAttrMap) => [number, number] }> = {
  Relu: { op: 0 },
  Relu6: { op: 1 },
  LeakyRelu: { op: 2, params: (a) => [a['alpha'] as number, 0] },
  Step: { op: 3, params: (a) => [a['alpha'] as number, 0] },
  Neg: { op: 4 },
  Abs: { op: 5 },
  Square: { op: 6 },
  Sign: { op: 7 },
  Floor: { op: 8 },
  Ceil: { op: 9 },
  Round: { op: 10 },
  Reciprocal: { op: 11 },
  Sqrt: { op: 12 },
  Rsqrt: { op: 13 },
  Exp: { op: 14 },
  Log: { op: 15 },
  Log1p: { op: 16 },
  Tanh: { op: 17 },
  Sigmoid: { op: 18 },
  Softplus: { op: 19 },
  Elu: { op: 20 },
  ClipByValue: { op: 21, params: (a) => [a['clipValueMin'] as number, a['clipValueMax'] as number] },
  Expm1: { op: 22 },
};

function unaryKernel(kernelName: string, op: number, params?: (attrs: tf.NamedAttrMap) => [number, number]): NativeKernel {
  return tensorKernel(kernelName, ({ inputs, attrs, io, native }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return null;
    const [alpha, beta] = params ? params(attrs) : [0, 0];
    const out = io.output(x.shape, 'float32', OVERWRITTEN);
    native.unary(op, io.values(x), out.values, alpha, beta);
    return out.info;
  });
}

/** Casts that compute (float32 → int32 truncates; anything → bool tests ≠ 0); the lossless ones share storage in the JS kernel. */
const cast = tensorKernel('Cast', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const dtype = attrs['dtype'] as tf.DataType;
  const computes = (x.dtype === 'float32' && dtype === 'int32') || (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32'));
  if (!computes) return null;
  const out = io.output(x.shape, dtype, OVERWRITTEN);
  native.cast(io.values(x), out.values);
  return out.info;
});

const select = tensorKernel('Select', ({ inputs, io, native }) => {
  const { condition, t, e } = inputs as Record<'condition' | 't' | 'e', tf.TensorInfo>;
  const same = (s: number[]) => tf.util.arraysEqual(s, t.shape);
  if (condition.dtype !== 'bool' || t.dtype !== e.dtype || !isPlainDtype(t.dtype) || !same(condition.shape) || !same(e.shape)) return null;
  const out = io.output(t.shape, t.dtype, OVERWRITTEN);
  native.select(io.values(condition) as Uint8Array, io.values(t), io.values(e), out.values);
  return out.info;
});

const addN = tensorKernel('AddN', ({ inputs, io, native }) => {
  const tensors = Object.values(inputs) as tf.TensorInfo[];
  const first = tensors[0];
  if (!first || (first.dtype !== 'float32' && first.dtype !== 'int32')) return null;
  if (tensors.some((t) => t.dtype !== first.dtype || !tf.util.arraysEqual(t.shape, first.shape))) return null;
  const out = io.output(first.shape, first.dtype, OVERWRITTEN);
  native.addN(tensors.map((t) => io.values(t)) as NativeValues[], out.values);
  return out.info;
});

const softmax = tensorKernel('Softmax', ({ inputs, attrs, io, native }) => {
  const { logits } = inputs as { logits: tf.TensorInfo };
  const rank = logits.shape.length;
  const dim = attrs['dim'] as number;
  if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const cols = logits.shape[rank - 1];
  const out = io.outputFloat32(logits.shape, OVERWRITTEN);
  if (cols > 0) native.softmax(io.float32(logits), out.values, tf.util.sizeFromShape(logits.shape) / cols, cols);
  return out.info;
});

/** Every unary kernel the addon computes. */
export const NATIVE_UNARY_KERNELS: readonly NativeKernel[] = [
  ...Object.entries(UNARY).map(([name, u]) => unaryKernel(name, u.op, u.params)),
  cast,
  select,
  addN,
  softmax,
];
