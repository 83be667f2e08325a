/**
 * Index kernels of the native backend (native/src/index.cc), on every core:
 * OneHot (class maps for the losses), GatherV2 (rows along one axis; an
 * index out of range is an error naming it, as in tfjs) and its gradient
 * UnsortedSegmentSum (one-dimensional segment ids, as the gradient uses).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN } from './native-io';
import { isPlainDtype, tensorKernel } from './tensor-addon';

const oneHot = tensorKernel('OneHot', ({ inputs, attrs, io, native }) => {
  const { indices } = inputs as { indices: tf.TensorInfo };
  const dtype = attrs['dtype'] as tf.DataType;
  if (indices.dtype !== 'int32' || (dtype !== 'float32' && dtype !== 'int32')) return null;
  const depth = attrs['depth'] as number;
  const out = io.output([...indices.shape, depth], dtype, OVERWRITTEN);
  if (out.values.length > 0) native.oneHot(io.values(indices) as Int32Array, depth, attrs['onValue'] as number, attrs['offValue'] as number, out.values);
  return out.info;
});

const gatherV2 = tensorKernel('GatherV2', ({ inputs, attrs, io, native }) => {
  const { x, indices } = inputs as Record<'x' | 'indices', tf.TensorInfo>;
  if (!isPlainDtype(x.dtype) || indices.dtype !== 'int32') return null;
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0];
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, axis, attrs['batchDims'] as number);
  const out = io.output(info.outputShape, x.dtype, OVERWRITTEN);
  if (out.values.length > 0) {
    const k = tf.util.sizeFromShape(indices.shape) / info.batchSize;
    native.gatherV2(io.values(x), info.batchSize, info.outerSize, info.dimSize, info.sliceSize, io.values(indices) as Int32Array, k, out.values);
  }
  return out.info;
});

const unsortedSegmentSum = tensorKernel('UnsortedSegmentSum', ({ inputs, attrs, io, native }) => {
  const { x, segmentIds } = inputs as Record<'x' | 'segmentIds', tf.TensorInfo>;
  const rows = segmentIds.shape[0];
  if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32' || segmentIds.shape.length !== 1 || x.shape.length < 1 || x.shape[0] !== rows || rows === 0) return null;
  const numSegments = attrs['numSegments'] as number;
  const out = io.outputFloat32([numSegments, ...x.shape.slice(1)], OVERWRITTEN);
  if (out.values.length > 0) native.unsortedSegmentSum(io.float32(x), io.values(segmentIds) as Int32Array, numSegments, out.values);
  return out.info;
});

/** Every index kernel the addon computes. */
export const NATIVE_INDEX_KERNELS: readonly NativeKernel[] = [oneHot, gatherV2, unsortedSegmentSum];
