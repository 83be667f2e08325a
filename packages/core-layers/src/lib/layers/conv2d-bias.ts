/**
 * conv2d(x, w) + b, optionally followed by ReLU, as one op, for the Conv2d
 * layer's NHWC convolutions. Forward: the backend's `FusedConv2D`, which adds
 * the bias as it writes y (one pass fewer over y than a separate add), then
 * ReLU. Backward: `Conv2DBackpropInput` for dx, and for dw and db one kernel,
 * `CONV2D_BACKPROP_FILTER_BIAS` (@semadapt/compute registers it on every
 * backend: one oneDNN pass over dy where the addon runs the convolutions,
 * else `Conv2DBackpropFilter` and Σ dy over N, H, W).
 *
 * Memory is the reason this is one op: it saves x and w for the backward
 * pass, and y only with ReLU (whose gradient is dy·[y > 0]); the pre-ReLU
 * tensor is never kept. Separate conv, add and relu ops would keep x, the
 * conv output (tfjs's Add saves its inputs) and the pre-ReLU sum.
 * `tf.fused.conv2d` also saves y for a linear convolution and has no
 * dilated gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D_BACKPROP_FILTER_BIAS, convGradientKernelsTakeDilations, reluGrad } from '@semadapt/compute';

type Pad = 'valid' | tf.backend_util.ExplicitPadding;

/** [dw, db] of a biased convolution with these attrs: one kernel on every backend (one oneDNN pass where native). */
function filterAndBiasGradients(x: tf.Tensor, dy: tf.Tensor, filterShape: number[], attrs: tf.NamedAttrMap): [tf.Tensor, tf.Tensor] {
  const filterAttrs = { ...attrs, filterShape } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(CONV2D_BACKPROP_FILTER_BIAS, { x, dy }, filterAttrs) as unknown as [tf.Tensor, tf.Tensor];
}

/** Activation applied by `conv2dBiasActivation`. */
export type ConvActivation = 'linear' | 'relu';

/** Geometry and activation of `conv2dBiasActivation`. */
export interface ConvBiasOptions {
  strides: [number, number];
  pad: Pad;
  /** Default [1, 1]. Dilated gradients need kernels that take dilations (the native ones: `convGradientKernelsTakeDilations()`). */
  dilations?: [number, number];
  /** Default 'linear'. */
  activation?: ConvActivation;
}

/** y = act(conv2d(x, filter) + bias), NHWC; bias is [CO] or null. Saves x, filter (and y for ReLU) only. */
export function conv2dBiasActivation(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, options: ConvBiasOptions): tf.Tensor4D {
  const { strides, pad } = options;
  const dilations = options.dilations ?? [1, 1];
  const relu = (options.activation ?? 'linear') === 'relu';
  if ((dilations[0] > 1 || dilations[1] > 1) && !convGradientKernelsTakeDilations()) {
    throw new Error(`conv2dBiasActivation: backend '${tf.getBackend()}' has no dilated convolution gradient kernels (dilations ${JSON.stringify(dilations)}); use dilatedSameConv`);
  }
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations } as unknown as tf.NamedAttrMap;
  const forward = (xi: tf.Tensor, fi: tf.Tensor, bi: tf.Tensor | null): tf.Tensor4D => {
    const z = bi
      ? (tf.engine().runKernel('FusedConv2D', { x: xi, filter: fi, bias: bi }, { ...attrs, activation: 'linear' }) as tf.Tensor4D)
      : (tf.engine().runKernel('Conv2D', { x: xi, filter: fi }, attrs) as tf.Tensor4D);
    if (!relu) return z;
    const y = tf.relu(z);
    z.dispose();
    return y;
  };
  const backward = (dy: tf.Tensor, xs: tf.Tensor, fs: tf.Tensor, ys: tf.Tensor | undefined, withBias: boolean): tf.Tensor[] => {
    // ReLU's gradient from its output: y > 0 exactly where its input was.
    // dy·[y > 0] in one pass (no mask tensor).
    const dz = ys ? reluGrad(dy, ys) : dy;
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: fs }, { ...attrs, inputShape: xs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const rest = withBias
      ? filterAndBiasGradients(xs, dz, fs.shape, attrs)
      : [tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy: dz }, { ...attrs, filterShape: fs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor];
    return [dx, ...rest];
  };
  // customGrad passes the inputs, then the save function, as its arguments.
  const op = bias
    ? tf.customGrad(((xi: tf.Tensor, fi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
        const value = forward(xi, fi, bi);
        save(relu ? [xi, fi, value] : [xi, fi]);
        return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(dy, saved[0], saved[1], saved[2], true)) };
      }) as unknown as Parameters<typeof tf.customGrad>[0])
    : tf.customGrad(((xi: tf.Tensor, fi: tf.Tensor, save: tf.GradSaveFunc) => {
        const value = forward(xi, fi, null);
        save(relu ? [xi, fi, value] : [xi, fi]);
        return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(dy, saved[0], saved[1], saved[2], false)) };
      }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (bias ? op(x, filter, bias) : op(x, filter)) as tf.Tensor4D;
}

/** y = conv2d(x, filter, strides, pad) + bias, NHWC, no dilation; bias is [CO]. */
export function conv2dWithBias(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, strides: [number, number], pad: Pad): tf.Tensor4D {
  return conv2dBiasActivation(x, filter, bias, { strides, pad });
}
