/**
 * `Conv2DBackpropFilter` for tfjs-backend-wasm, which does not ship one (so
 * no conv could train on wasm). Computed as one XNNPACK forward convolution
 * of the batch/channel-transposed input with the output gradient as filter
 * (conv-grad-math.ts), measured faster here than im2col + matMul
 * (tools/bench, README "Backend"). The kernel's contract has no dilations
 * (tfjs's stock Conv2D gradient calls it only with dilation 1); dilated
 * convolutions go through `conv2dGradConfig` instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, kernelExec, type ConvAttrs } from './conv-grad-math';

interface BackpropFilterAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
  filterShape: [number, number, number, number];
}

function conv2dBackpropFilterWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropFilter: dataFormat '${attrs.dataFormat}' unsupported; use NHWC`);
  }
  return conv2dFilterGrad(kernelExec(args.backend, 'wasm'), x, dy, attrs.filterShape, { ...attrs, dilations: 1 });
}

/** Kernel config; registered by its backend registrar (register-kernels.ts). */
export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
};
