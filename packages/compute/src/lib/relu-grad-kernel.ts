/**
 * ReLU's gradient `dy·step(y)` as one kernel, `SemadaptReluGrad`. Layers
 * that save ReLU's output (a conv + bias + ReLU, a residual join, a BatchNorm
 * applied as an affine map) compute their input gradient from it: y > 0
 * exactly where the ReLU's input was. Composed from tfjs ops that is a Step
 * and a Multiply, two passes over a full-size tensor and a mask tensor in
 * between; here one pass reads dy and y and writes the gradient.
 *
 * tfjs's semantics: step(NaN) = NaN, so a NaN in y gives NaN; y ≤ 0 gives
 * dy·0 (NaN for an infinite dy, as the composition).
 *
 * Implementations: the native addon's loop (native/binary-kernels.ts), a JS
 * loop on cpu, the composition on wasm (its Step and Multiply are wasm SIMD
 * kernels) and tfjs-node (composed-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeIo, OVERWRITTEN } from './native/native-io';

export const RELU_GRAD = 'SemadaptReluGrad';

/** dy·step(y) for float32 tensors of one shape. Not differentiable. */
export function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (dy.dtype !== 'float32' || y.dtype !== 'float32') throw new Error(`reluGrad: float32 tensors only, received ${dy.dtype} and ${y.dtype}`);
  if (!tf.util.arraysEqual(dy.shape, y.shape)) throw new Error(`reluGrad: dy [${dy.shape}] and y [${y.shape}] differ in shape`);
  return tf.engine().runKernel(RELU_GRAD, { dy, y }) as tf.Tensor;
}

/** out = dy·step(y), elementwise. */
export function reluGradLoop(dy: Float32Array, y: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const v = y[i];
    out[i] = dy[i] * (v !== v ? v : v > 0 ? 1 : 0);
  }
}

/** The JS loop over the cpu backend's arrays (also the native backend's fallback). */
export function reluGradCpuConfig(): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const { dy, y } = inputs as Record<'dy' | 'y', tf.TensorInfo>;
    const io = nativeIo(backend as tf.KernelBackend, RELU_GRAD);
    const out = io.outputFloat32(dy.shape, OVERWRITTEN);
    reluGradLoop(io.float32(dy), io.float32(y), out.values);
    return out.info;
  };
  return { kernelName: RELU_GRAD, backendName: 'cpu', kernelFunc };
}

/**
 * `Relu`'s gradient replacing tfjs's `dy·cast(step(x))` (a Step and a
 * Multiply, plus a Cast for int32) with `reluGrad` for float32 x: the same
 * values in one pass. Registered by `registerGradients` (register-kernels.ts).
 */
export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    return { x: () => (x.dtype === 'float32' && g.dtype === 'float32' ? reluGrad(g, x) : tf.mul(g, tf.cast(tf.step(x), 'float32'))) };
  },
};
