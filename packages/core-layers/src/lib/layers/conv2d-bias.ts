/**
 * conv2d(x, w) + b as one op, for the Conv2d layer's undilated NHWC
 * convolutions. Forward: the backend's `FusedConv2D`, which adds the bias as
 * it writes y (one pass fewer over y than a separate add). Backward:
 * `Conv2DBackpropInput` for dx, and for dw and db one kernel,
 * `CONV2D_BACKPROP_FILTER_BIAS` (@semadapt/compute registers it on every
 * backend: one oneDNN pass over dy where the addon runs the convolutions,
 * else `Conv2DBackpropFilter` and Σ dy over N, H, W). It saves x and w for the backward pass (`tf.fused.conv2d` also
 * saves y, which a linear convolution's gradient does not need).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D_BACKPROP_FILTER_BIAS } from '@semadapt/compute';

type Pad = 'valid' | tf.backend_util.ExplicitPadding;

/** [dw, db] of a biased convolution with these attrs: one kernel on every backend (one oneDNN pass where native). */
function filterAndBiasGradients(x: tf.Tensor, dy: tf.Tensor, filterShape: number[], attrs: tf.NamedAttrMap): [tf.Tensor, tf.Tensor] {
  const filterAttrs = { ...attrs, filterShape } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(CONV2D_BACKPROP_FILTER_BIAS, { x, dy }, filterAttrs) as unknown as [tf.Tensor, tf.Tensor];
}

/** y = conv2d(x, filter, strides, pad) + bias, NHWC, no dilation; bias is [CO]. */
export function conv2dWithBias(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, strides: [number, number], pad: Pad): tf.Tensor4D {
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
  // customGrad passes the inputs, then the save function, as its arguments.
  const op = tf.customGrad(((xi: tf.Tensor, fi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, fi]);
    const value = tf.engine().runKernel('FusedConv2D', { x: xi, filter: fi, bias: bi }, { ...attrs, activation: 'linear' }) as tf.Tensor4D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, fs] = saved;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: fs }, { ...attrs, inputShape: xs.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return [dx, ...filterAndBiasGradients(xs, dy, fs.shape, attrs)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, filter, bias) as tf.Tensor4D;
}
