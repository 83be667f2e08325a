/**
 * Reductions of the native backend (native/src/reduce.cc): Sum, Mean, Max,
 * Min, Prod, ArgMax, ArgMin, All, Any over any axes, on every core. The
 * input is viewed as [outer, reduced, inner]; axes that are not one run
 * (ignoring size-1 dims) are first transposed to the end, natively.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN, type NativeIo, type NativeValues } from './native-io';
import { tensorKernel, type TensorKernelsAddon } from './tensor-addon';

const CODES = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4, ArgMax: 5, ArgMin: 6, All: 7, Any: 8 } as const;
type ReduceName = keyof typeof CODES;

/** Input dtypes each reduction takes natively, and the output dtype. */
const DTYPES: Record<ReduceName, { in: tf.DataType[]; out?: tf.DataType }> = {
  Sum: { in: ['float32', 'int32'] },
  Mean: { in: ['float32'] },
  Max: { in: ['float32', 'int32'] },
  Min: { in: ['float32', 'int32'] },
  Prod: { in: ['float32', 'int32'] },
  ArgMax: { in: ['float32', 'int32'], out: 'int32' },
  ArgMin: { in: ['float32', 'int32'], out: 'int32' },
  All: { in: ['bool'] },
  Any: { in: ['bool'] },
};

/** [outer, reduced, inner] when the axes are one run of dims (size-1 dims may sit anywhere), else null. */
export function reductionExtent(shape: number[], axes: number[]): [number, number, number] | null {
  const reduced = new Set(axes);
  let outer = 1, r = 1, inner = 1;
  let phase = 0; // 0: before the run, 1: in it, 2: after it
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    if (reduced.has(d)) {
      if (phase === 2) return null;
      phase = 1;
      r *= shape[d];
    } else if (phase === 0) {
      outer *= shape[d];
    } else {
      phase = 2;
      inner *= shape[d];
    }
  }
  return [outer, r, inner];
}

/** Runs reduction `op` of x over `axes` into `out` (a transpose first when the axes are not one run). */
function reduceInto(native: TensorKernelsAddon, io: NativeIo, op: number, x: tf.TensorInfo, axes: number[], out: NativeValues): void {
  const extent = reductionExtent(x.shape, axes);
  if (extent) {
    native.reduce(op, io.values(x), extent[0], extent[1], extent[2], out);
    return;
  }
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const perm = [...kept, ...axes];
  // A scratch array of x's type, not a tensor: nothing to dispose.
  const values = io.values(x);
  const moved = new (values.constructor as new (n: number) => NativeValues)(values.length);
  native.transpose(values, x.shape, perm, moved);
  const r = axes.reduce((p, d) => p * x.shape[d], 1);
  native.reduce(op, moved, kept.reduce((p, d) => p * x.shape[d], 1), r, 1, out);
}

function reduceKernel(kernelName: ReduceName): NativeKernel {
  const op = CODES[kernelName];
  return tensorKernel(kernelName, ({ inputs, attrs, io, native }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const types = DTYPES[kernelName];
    if (!types.in.includes(x.dtype)) return null;
    const isArg = kernelName === 'ArgMax' || kernelName === 'ArgMin';
    // Max names its axes reductionIndices; ArgMax/ArgMin take one axis and never keep it.
    const axisAttr = (kernelName === 'Max' ? attrs['reductionIndices'] : attrs['axis']) as number | number[];
    const axes = [...new Set(tf.util.parseAxisParam(axisAttr, x.shape))].sort((a, b) => a - b);
    if (axes.length === 0 || (isArg && axes.length !== 1)) return null;
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = !isArg && attrs['keepDims'] ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const out = io.output(shape, types.out ?? x.dtype, OVERWRITTEN);
    if (out.values.length > 0) reduceInto(native, io, op, x, axes, out.values);
    return out.info;
  });
}

/** Every reduction the addon computes. */
export const NATIVE_REDUCE_KERNELS: readonly NativeKernel[] = (Object.keys(CODES) as ReduceName[]).map(reduceKernel);
