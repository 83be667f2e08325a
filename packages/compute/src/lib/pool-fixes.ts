/**
 * Pooling fixes found by gradient-coverage.spec.ts:
 *
 * - `AvgPool` gradient (all backends): tfjs's forward average excludes the
 *   padding (divides by the number of real pixels in the window), but its
 *   `AvgPoolGrad` kernels divide by the full window size, so the gradient of
 *   any padded average pool is wrong at the borders. SPEC §2's discriminator
 *   downsampling is exactly such a pool (3×3, stride 2, pad 1, padding
 *   excluded). We rescale dy by window/count before the stock kernel.
 * - wasm `MaxPool` forward with `dimRoundingMode: 'ceil'` (Caffe's ceil mode:
 *   DeepLabV2's ResNet stem, FCN8s's VGG pools): the stock kernel computes the
 *   floor-mode output and leaves the extra row/column zero. We pad the
 *   bottom/right with −∞ ourselves and pool 'valid'.
 */
import * as tf from '@tensorflow/tfjs-core';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolInfo(shape: number[], a: PoolAttrs, rounding = a.dimRoundingMode): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, rounding);
}

/** Number of real (non-padding) input pixels in each output window, [OH·OW]. */
export function poolWindowCounts(inShape: number[], a: PoolAttrs): { counts: Float32Array; info: tf.backend_util.Conv2DInfo } {
  const info = poolInfo(inShape, a);
  const [, H, W] = inShape;
  const counts = new Float32Array(info.outHeight * info.outWidth);
  for (let oh = 0; oh < info.outHeight; oh++) {
    const h0 = oh * info.strideHeight - info.padInfo.top;
    const rows = Math.min(H, h0 + info.filterHeight) - Math.max(0, h0);
    for (let ow = 0; ow < info.outWidth; ow++) {
      const w0 = ow * info.strideWidth - info.padInfo.left;
      const cols = Math.min(W, w0 + info.filterWidth) - Math.max(0, w0);
      counts[oh * info.outWidth + ow] = Math.max(0, rows) * Math.max(0, cols);
    }
  }
  return { counts, info };
}

/** `AvgPool` gradient consistent with the padding-excluded forward. */
export const avgPoolGradConfig: tf.GradConfig = {
  kernelName: 'AvgPool',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const a = attrs as unknown as PoolAttrs;
    return {
      x: () =>
        tf.tidy(() => {
          const { counts, info } = poolWindowCounts(x.shape, a);
          const full = info.filterHeight * info.filterWidth;
          const scale = tf.tensor4d(counts.map((c) => (c > 0 ? full / c : 0)), [1, info.outHeight, info.outWidth, 1]);
          const dyScaled = tf.mul(dy as tf.Tensor, scale);
          return tf.engine().runKernel('AvgPoolGrad', { dy: dyScaled, input: x }, attrs) as tf.Tensor;
        }),
    };
  },
};

/** Wraps wasm's stock `MaxPool` so ceil-mode geometry is honoured. */
export function maxPoolWasmCeilFix(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }) => {
    const run = stock.kernelFunc as unknown as (a: typeof args) => tf.TensorInfo;
    const x = args.inputs['x'] as tf.TensorInfo;
    const a = args.attrs as unknown as PoolAttrs;
    const want = poolInfo(x.shape, a);
    const floor = poolInfo(x.shape, a, 'floor');
    if (a.dimRoundingMode === undefined || (want.outHeight === floor.outHeight && want.outWidth === floor.outWidth)) {
      return run(args);
    }
    const [, H, W] = x.shape;
    const { top, left } = want.padInfo;
    const bottom = (want.outHeight - 1) * want.strideHeight + want.filterHeight - H - top;
    const right = (want.outWidth - 1) * want.strideWidth + want.filterWidth - W - left;
    const pad = tf.getKernel('PadV2', 'wasm');
    const padded = pad.kernelFunc({
      inputs: { x },
      backend: args.backend,
      attrs: { paddings: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]], constantValue: -Infinity },
    }) as tf.TensorInfo;
    try {
      return run({ ...args, inputs: { x: padded }, attrs: { ...args.attrs, pad: 'valid', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap });
    } finally {
      args.backend.disposeData(padded.dataId);
    }
  };
  return { kernelName: 'MaxPool', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * `MaxPool` gradient passing `dimRoundingMode` on: tfjs's drops it, so the
 * gradient of a ceil-mode max pool is computed with floor-mode geometry
 * (wrong on every backend; see gradient-coverage.spec.ts).
 */
export const maxPoolGradConfig: tf.GradConfig = {
  kernelName: 'MaxPool',
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, y] = saved;
    return { x: () => tf.engine().runKernel('MaxPoolGrad', { dy: dy as tf.Tensor, input: x, output: y }, attrs) as tf.Tensor };
  },
};
