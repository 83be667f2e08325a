/**
 * Pooling and bilinear resizing of the native backend (native/src/pool.cc,
 * resize.cc), forward and gradient, NHWC float32, on every core. Geometry
 * (ceil mode, explicit or 'same' padding) comes from tfjs's own
 * `computePool2DInfo`; the loops follow tfjs's kernel contracts (see the C++
 * files), except that ResizeBilinearGrad is the exact adjoint also with
 * half-pixel centres, which tfjs's cpu kernel ignores.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernel } from './kernels';
import { OVERWRITTEN } from './native-io';
import { tensorKernel } from './tensor-addon';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft] of pool.cc. */
function poolGeometry(xShape: number[], a: PoolAttrs): number[] {
  const i = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  return [i.batchSize, i.inHeight, i.inWidth, i.inChannels, i.outHeight, i.outWidth, i.filterHeight, i.filterWidth, i.strideHeight, i.strideWidth,
    i.dilationHeight, i.dilationWidth, i.padInfo.top, i.padInfo.left];
}

const MAX = 0;
const AVG = 1;

function poolKernel(kernelName: 'MaxPool' | 'AvgPool', kind: number): NativeKernel {
  return tensorKernel(kernelName, ({ inputs, attrs, io, native }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32' || x.shape.length !== 4) return null;
    const g = poolGeometry(x.shape, attrs as unknown as PoolAttrs);
    const out = io.outputFloat32([g[0], g[4], g[5], g[3]], OVERWRITTEN);
    if (out.values.length > 0) native.pool(kind, io.float32(x), out.values, g);
    return out.info;
  });
}

const maxPoolGrad = tensorKernel('MaxPoolGrad', ({ inputs, attrs, io, native }) => {
  const { dy, input } = inputs as Record<'dy' | 'input' | 'output', tf.TensorInfo>;
  if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return null;
  const out = io.outputFloat32(input.shape, OVERWRITTEN);
  if (out.values.length > 0) native.poolGrad(MAX, io.float32(dy), io.float32(input), out.values, poolGeometry(input.shape, attrs as unknown as PoolAttrs));
  return out.info;
});

const avgPoolGrad = tensorKernel('AvgPoolGrad', ({ inputs, attrs, io, native }) => {
  const { dy, input } = inputs as Record<'dy' | 'input', tf.TensorInfo>;
  if (dy.dtype !== 'float32' || input.shape.length !== 4) return null;
  const out = io.outputFloat32(input.shape, OVERWRITTEN);
  if (out.values.length > 0) native.poolGrad(AVG, io.float32(dy), null, out.values, poolGeometry(input.shape, attrs as unknown as PoolAttrs));
  return out.info;
});

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  size: [number, number];
}

const resizeBilinear = tensorKernel('ResizeBilinear', ({ inputs, attrs, io, native }) => {
  const { images } = inputs as { images: tf.TensorInfo };
  if (images.dtype !== 'float32' || images.shape.length !== 4) return null;
  const a = attrs as unknown as ResizeAttrs;
  const [n, h, w, c] = images.shape;
  const out = io.outputFloat32([n, a.size[0], a.size[1], c], OVERWRITTEN);
  if (out.values.length > 0) native.resizeBilinear(io.float32(images), out.values, n, h, w, c, a.size[0], a.size[1], a.alignCorners, a.halfPixelCenters);
  return out.info;
});

const resizeBilinearGrad = tensorKernel('ResizeBilinearGrad', ({ inputs, attrs, io, native }) => {
  const { images, dy } = inputs as Record<'images' | 'dy', tf.TensorInfo>;
  if (dy.dtype !== 'float32' || images.shape.length !== 4) return null;
  const a = attrs as unknown as ResizeAttrs;
  const [n, h, w, c] = images.shape;
  const out = io.outputFloat32(images.shape, OVERWRITTEN);
  if (out.values.length > 0) native.resizeBilinearGrad(io.float32(dy), out.values, n, h, w, c, dy.shape[1], dy.shape[2], a.alignCorners, !!a.halfPixelCenters);
  return out.info;
});

/** Every pooling and resize kernel the addon computes. */
export const NATIVE_POOL_RESIZE_KERNELS: readonly NativeKernel[] = [
  poolKernel('MaxPool', MAX),
  poolKernel('AvgPool', AVG),
  maxPoolGrad,
  avgPoolGrad,
  resizeBilinear,
  resizeBilinearGrad,
];
