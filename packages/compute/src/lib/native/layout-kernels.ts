/**
 * Data-movement kernels of the native backend (native/src/layout.cc), on
 * every core: Transpose; Slice, Reverse, Tile, PadV2, MirrorPad and
 * ResizeNearestNeighbor as one gather through a per-dim index map; Concat
 * and Pack as row copies; and two gradients as folds (the adjoint of a
 * map, one dim at a time): ResizeNearestNeighborGrad and the MirrorPad
 * gradient's `SemadaptMirrorPadFold`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN, type NativeValues } from './native-io';
import { MIRROR_PAD_FOLD, type MirrorPadFoldAttrs } from '../mirror-pad-fold-kernel';
import { isPlainDtype, tensorKernel, type TensorKernelsAddon } from './tensor-addon';

type Maps = (Int32Array | null)[];

function indexMap(length: number, f: (k: number) => number): Int32Array {
  const m = new Int32Array(length);
  for (let k = 0; k < length; k++) m[k] = f(k);
  return m;
}

/** Out index → source index of a padded dim (−1: the constant). */
function constantPadMap(before: number, n: number, after: number): Int32Array | null {
  if (before === 0 && after === 0) return null;
  return indexMap(before + n + after, (k) => (k >= before && k < before + n ? k - before : -1));
}

/** Out index → source index of a mirror-padded dim (reflect excludes the edge, symmetric repeats it). */
export function mirrorPadMap(before: number, n: number, after: number, mode: 'reflect' | 'symmetric'): Int32Array | null {
  if (before === 0 && after === 0) return null;
  const shift = mode === 'reflect' ? 1 : 0;
  return indexMap(before + n + after, (p) => (p < before ? before - p - 1 + shift : p < before + n ? p - before : n - 1 - shift - (p - before - n)));
}

/** tfjs's nearest-neighbour source index for each output index of one dim. */
function nearestMap(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  return indexMap(outSize, (o) => {
    const src = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    const nearest = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
    return halfPixelCenters ? Math.max(0, nearest) : nearest;
  });
}

/** Out = x gathered through `maps` (null = identity dim). */
function gathered(native: TensorKernelsAddon, x: NativeValues, xShape: number[], out: NativeValues, outShape: number[], maps: Maps, padValue = 0): void {
  if (out.length > 0) native.gather(x, xShape, out, outShape, maps, padValue);
}

/**
 * Adjacent mapped dims as one: the map of their flattened index (-1 where
 * any dim's map is -1), so their adjoint is one pass of `fold` with no
 * intermediate array (MirrorPad's gradient over H and W: one read of dy, one
 * write of dx, instead of two of each and a JS array between them).
 */
function mergeAdjacentMaps(dyShape: number[], outShape: number[], maps: Maps): { dyShape: number[]; outShape: number[]; maps: Maps } {
  const first = maps.findIndex((m) => m !== null);
  let last = first;
  while (last + 1 < maps.length && maps[last + 1] !== null) last++;
  if (first < 0 || last === first || maps.slice(last + 1).some((m) => m !== null)) return { dyShape, outShape, maps };
  const from = dyShape.slice(first, last + 1);
  const to = outShape.slice(first, last + 1);
  const n = from.reduce((p, v) => p * v, 1);
  const merged = new Int32Array(n);
  const coord = new Array<number>(from.length).fill(0);
  for (let o = 0; o < n; o++) {
    let target = 0;
    for (let k = 0; k < from.length; k++) {
      const t = (maps[first + k] as Int32Array)[coord[k]];
      if (t < 0 || target < 0) target = -1;
      else target = target * to[k] + t;
    }
    merged[o] = target;
    for (let k = from.length - 1; k >= 0 && ++coord[k] === from[k]; k--) coord[k] = 0;
  }
  const collapse = (shape: number[], size: number): number[] => [...shape.slice(0, first), size, ...shape.slice(last + 1)];
  return {
    dyShape: collapse(dyShape, n),
    outShape: collapse(outShape, to.reduce((p, v) => p * v, 1)),
    maps: [...maps.slice(0, first), merged, ...maps.slice(last + 1)],
  };
}

/** out = Σ over the preimages of `maps` (the gather's adjoint): adjacent mapped dims in one pass, others one at a time; float32. */
function folded(native: TensorKernelsAddon, dy: Float32Array, dyShapeIn: number[], out: Float32Array, outShapeIn: number[], mapsIn: Maps): void {
  const { dyShape, outShape, maps } = mergeAdjacentMaps(dyShapeIn, outShapeIn, mapsIn);
  const dims = maps.map((m, d) => (m ? d : -1)).filter((d) => d >= 0);
  if (dims.length === 0) {
    out.set(dy);
    return;
  }
  let shape = dyShape.slice();
  let values = dy;
  dims.forEach((d, step) => {
    const map = maps[d] as Int32Array;
    const to = outShape[d];
    // CSR lists: for each target index, the source indices mapped onto it.
    const offsets = new Int32Array(to + 1);
    for (const s of map) if (s >= 0) offsets[s + 1]++;
    for (let i = 0; i < to; i++) offsets[i + 1] += offsets[i];
    const sources = new Int32Array(offsets[to]);
    const fill = offsets.slice(0, to);
    map.forEach((s, o) => {
      if (s >= 0) sources[fill[s]++] = o;
    });
    const next = shape.slice();
    next[d] = to;
    const target = step === dims.length - 1 ? out : new Float32Array(tf.util.sizeFromShape(next));
    const outer = shape.slice(0, d).reduce((p, v) => p * v, 1);
    const inner = shape.slice(d + 1).reduce((p, v) => p * v, 1);
    native.fold(values, outer, shape[d], inner, target, to, offsets, sources);
    shape = next;
    values = target;
  });
}

const transpose = tensorKernel('Transpose', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isPlainDtype(x.dtype)) return null;
  const perm = attrs['perm'] as number[];
  const out = io.output(perm.map((d) => x.shape[d]), x.dtype, OVERWRITTEN);
  if (out.values.length > 0) native.transpose(io.values(x), x.shape, perm, out.values);
  return out.info;
});

const slice = tensorKernel('Slice', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isPlainDtype(x.dtype)) return null;
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs['begin'] as number[], attrs['size'] as number[]);
  tf.slice_util.assertParamsValid(x, begin, size);
  const maps = size.map((s, d) => (begin[d] === 0 && s === x.shape[d] ? null : indexMap(s, (k) => begin[d] + k)));
  const out = io.output(size, x.dtype, OVERWRITTEN);
  gathered(native, io.values(x), x.shape, out.values, size, maps);
  return out.info;
});

const reverse = tensorKernel('Reverse', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isPlainDtype(x.dtype)) return null;
  const dims = tf.util.parseAxisParam(attrs['dims'] as number | number[], x.shape);
  const maps = x.shape.map((n, d) => (dims.includes(d) && n > 1 ? indexMap(n, (k) => n - 1 - k) : null));
  const out = io.output(x.shape, x.dtype, OVERWRITTEN);
  gathered(native, io.values(x), x.shape, out.values, x.shape, maps);
  return out.info;
});

const tile = tensorKernel('Tile', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isPlainDtype(x.dtype)) return null;
  const reps = attrs['reps'] as number[];
  const shape = x.shape.map((n, d) => n * reps[d]);
  const maps = x.shape.map((n, d) => (reps[d] === 1 ? null : indexMap(n * reps[d], (k) => k % n)));
  const out = io.output(shape, x.dtype, OVERWRITTEN);
  gathered(native, io.values(x), x.shape, out.values, shape, maps);
  return out.info;
});

const padV2 = tensorKernel('PadV2', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isPlainDtype(x.dtype)) return null;
  const paddings = attrs['paddings'] as [number, number][];
  const shape = x.shape.map((n, d) => paddings[d][0] + n + paddings[d][1]);
  const maps = x.shape.map((n, d) => constantPadMap(paddings[d][0], n, paddings[d][1]));
  const out = io.output(shape, x.dtype, OVERWRITTEN);
  gathered(native, io.values(x), x.shape, out.values, shape, maps, attrs['constantValue'] as number);
  return out.info;
});

const mirrorPad = tensorKernel('MirrorPad', ({ inputs, attrs, io, native }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isPlainDtype(x.dtype)) return null;
  const paddings = attrs['paddings'] as [number, number][];
  const mode = attrs['mode'] as 'reflect' | 'symmetric';
  const shift = mode === 'reflect' ? 1 : 0;
  if (x.shape.some((n, d) => paddings[d][0] > n - shift || paddings[d][1] > n - shift)) return null; // tfjs's own error
  const shape = x.shape.map((n, d) => paddings[d][0] + n + paddings[d][1]);
  const maps = x.shape.map((n, d) => mirrorPadMap(paddings[d][0], n, paddings[d][1], mode));
  const out = io.output(shape, x.dtype, OVERWRITTEN);
  gathered(native, io.values(x), x.shape, out.values, shape, maps);
  return out.info;
});

const mirrorPadFold = tensorKernel(MIRROR_PAD_FOLD, ({ inputs, attrs, io, native }) => {
  const { dy } = inputs as { dy: tf.TensorInfo };
  if (dy.dtype !== 'float32') return null;
  const a = attrs as unknown as MirrorPadFoldAttrs;
  const maps = a.xShape.map((n, d) => mirrorPadMap(a.paddings[d][0], n, a.paddings[d][1], a.mode));
  const out = io.outputFloat32(a.xShape, OVERWRITTEN);
  folded(native, io.float32(dy), dy.shape, out.values, a.xShape, maps);
  return out.info;
});

/** Concat or Pack: each input is [rows, width] at `axis`; out rows are the inputs' rows side by side. */
function joinKernel(kernelName: 'Concat' | 'Pack'): NativeKernel {
  return tensorKernel(kernelName, ({ inputs, attrs, io, native }) => {
    const all = Object.values(inputs) as tf.TensorInfo[];
    const dtype = all[0]?.dtype;
    if (!dtype || !isPlainDtype(dtype) || all.some((t) => t.dtype !== dtype)) return null;
    const rank = all[0].shape.length;
    let shape: number[];
    let axis: number;
    let parts = all;
    if (kernelName === 'Pack') {
      axis = tf.util.parseAxisParam(attrs['axis'] as number, [...all[0].shape, 1])[0];
      if (all.some((t) => !tf.util.arraysEqual(t.shape, all[0].shape))) return null;
      shape = [...all[0].shape.slice(0, axis), all.length, ...all[0].shape.slice(axis)];
    } else {
      axis = tf.util.parseAxisParam(attrs['axis'] as number, all[0].shape)[0];
      parts = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
      if (parts.length === 0 || parts.some((t) => t.shape.length !== rank)) return null;
      shape = tf.backend_util.computeOutShape(parts.map((t) => t.shape), axis);
    }
    const rows = shape.slice(0, axis).reduce((p, v) => p * v, 1);
    const widths = parts.map((t) => (rows === 0 ? 0 : tf.util.sizeFromShape(t.shape) / rows));
    const out = io.output(shape, dtype, OVERWRITTEN);
    if (out.values.length > 0) native.concat(parts.map((t) => io.values(t)), rows, widths, out.values);
    return out.info;
  });
}

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  size: [number, number];
}

const resizeNearest = tensorKernel('ResizeNearestNeighbor', ({ inputs, attrs, io, native }) => {
  const { images } = inputs as { images: tf.TensorInfo };
  if (!isPlainDtype(images.dtype) || images.shape.length !== 4) return null;
  const a = attrs as unknown as ResizeAttrs;
  const [n, h, w, c] = images.shape;
  const shape = [n, a.size[0], a.size[1], c];
  const maps: Maps = [null, nearestMap(h, a.size[0], a.alignCorners, a.halfPixelCenters), nearestMap(w, a.size[1], a.alignCorners, a.halfPixelCenters), null];
  const out = io.output(shape, images.dtype, OVERWRITTEN);
  gathered(native, io.values(images), images.shape, out.values, shape, maps);
  return out.info;
});

const resizeNearestGrad = tensorKernel('ResizeNearestNeighborGrad', ({ inputs, attrs, io, native }) => {
  const { images, dy } = inputs as Record<'images' | 'dy', tf.TensorInfo>;
  if (dy.dtype !== 'float32' || images.shape.length !== 4) return null;
  const a = attrs as unknown as ResizeAttrs;
  const [, h, w] = images.shape;
  const [, oh, ow] = dy.shape;
  const maps: Maps = [null, nearestMap(h, oh, a.alignCorners, !!a.halfPixelCenters), nearestMap(w, ow, a.alignCorners, !!a.halfPixelCenters), null];
  const out = io.outputFloat32(images.shape, OVERWRITTEN);
  folded(native, io.float32(dy), dy.shape, out.values, images.shape, maps);
  return out.info;
});

/** Every layout kernel the addon computes. */
export const NATIVE_LAYOUT_KERNELS: readonly NativeKernel[] = [
  transpose,
  slice,
  reverse,
  tile,
  padV2,
  mirrorPad,
  mirrorPadFold,
  joinKernel('Concat'),
  joinKernel('Pack'),
  resizeNearest,
  resizeNearestGrad,
];
