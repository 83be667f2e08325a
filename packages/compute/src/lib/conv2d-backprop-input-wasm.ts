/**
 * `Conv2DBackpropInput` for tfjs-backend-wasm, replacing the stock kernel (a
 * plain C++ loop, ~2× slower than XNNPACK's forward conv on the same sizes;
 * see tools/bench). The input gradient — and so `conv2dTranspose`, FCN8s's
 * learned upsampling — becomes XNNPACK forward convolutions: one for stride 1,
 * s² phase convolutions with sub-filters for stride s (conv-grad-math.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dInputGrad, kernelExec, type ConvAttrs } from './conv-grad-math';

interface BackpropInputAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
  inputShape: [number, number, number, number];
}

function conv2dBackpropInputWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropInput: dataFormat '${attrs.dataFormat}' unsupported; use NHWC`);
  }
  return conv2dInputGrad(kernelExec(args.backend, 'wasm'), dy, filter, attrs.inputShape, { ...attrs, dilations: 1 });
}

/** Kernel config; registered by its backend registrar (register-kernels.ts). */
export const conv2dBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
};
