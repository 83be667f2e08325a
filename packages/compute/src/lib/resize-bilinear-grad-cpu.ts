/**
 * Fix for tfjs-backend-cpu 4.22's `ResizeBilinearGrad`: it computes the right
 * values but labels them with shape [batch, width, height, depth], so the
 * gradient of any non-square bilinear resize (DeepLabV2's logits upsampling,
 * SPEC §3) throws. This wraps the stock kernel and restores the input's shape;
 * the values' layout is already [batch, height, width, depth].
 */
import * as tf from '@tensorflow/tfjs-core';

/** Wraps the stock cpu kernel. */
export function resizeBilinearGradCpuFix(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }) => {
    const out = (stock.kernelFunc as unknown as (a: typeof args) => tf.TensorInfo)(args);
    const images = args.inputs['images'] as tf.TensorInfo;
    return { dataId: out.dataId, dtype: out.dtype, shape: images.shape.slice() };
  };
  return { kernelName: 'ResizeBilinearGrad', backendName: 'cpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
