/**
 * Gradient of `Conv2D` replacing tfjs's stock one, which throws for
 * dilations > 1 — DeepLabV2 (SPEC §3) needs dilations 2, 4 and the ASPP's
 * 6/12/18/24. Undilated convolutions keep using the backend's
 * `Conv2DBackpropInput` / `Conv2DBackpropFilter` kernels exactly as before,
 * and so do dilated ones where those kernels take dilations (the native
 * oneDNN ones); elsewhere dilated gradients are computed as forward
 * convolutions (conv-grad-math.ts) with tf ops, so they work on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, conv2dInputGrad, opsExec, type ConvAttrs } from './conv-grad-math';
import { convGradientKernelsTakeDilations } from './native-conv-kernels';

interface Conv2DAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
}

function isOne(v: number | [number, number] | undefined): boolean {
  return v === undefined || (typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1);
}

/** Gradient config; registered by its backend registrar (register-kernels.ts). */
export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const a = attrs as unknown as Conv2DAttrs;
    const g = dy as tf.Tensor;
    if (a.dataFormat !== 'NHWC') throw new Error(`Conv2D gradient: dataFormat '${a.dataFormat}' unsupported; use NHWC`);
    if (isOne(a.dilations) || convGradientKernelsTakeDilations()) {
      const common = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode, dilations: a.dilations };
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    }
    return {
      x: () => tf.tidy(() => conv2dInputGrad(opsExec, g, filter, x.shape, a)),
      filter: () => tf.tidy(() => conv2dFilterGrad(opsExec, x, g, filter.shape, a)),
    };
  },
};
