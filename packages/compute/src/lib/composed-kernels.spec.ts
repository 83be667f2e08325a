/**
 * The composed forms of our fused kernels (what tfjs-node registers) against
 * the cpu backend's JS loops, output by output: instance and MUNIT layer
 * norm with their gradients (a constant sample included: its std is 0), the
 * filter-and-bias gradient against the stock filter gradient and a float64
 * column sum. (Adam/SGD: core-layers' optimizer-kernels spec; MirrorPad
 * fold: mirror-pad-fold-kernel.spec.ts.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, setTestBackend } from '../testing';
import { composedKernelConfig, FUSED_KERNEL_NAMES } from './composed-kernels';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, LAYER_NORM, LAYER_NORM_GRAD } from './normalization-kernels';
import { CONV2D_BACKPROP_FILTER_BIAS } from './native-conv-kernels';

/** Runs `kernelName` with its composed form swapped in for the cpu loop. */
function runComposed(kernelName: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor[] {
  const config = composedKernelConfig(kernelName, 'cpu');
  const loop = tf.getKernel(kernelName, 'cpu') as tf.KernelConfig;
  tf.unregisterKernel(kernelName, 'cpu');
  tf.registerKernel(config);
  try {
    const out = tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap);
    return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
  } finally {
    tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel(loop);
  }
}

function runLoop(kernelName: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor[] {
  const out = tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

describe('composed fused kernels vs the cpu loops', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('every fused kernel has a composed form', () => {
    for (const name of FUSED_KERNEL_NAMES) expect(composedKernelConfig(name, 'cpu').kernelName).toBe(name);
    expect(() => composedKernelConfig('NoSuchKernel', 'cpu')).toThrow(/no composed form of 'NoSuchKernel'/);
  });

  for (const [fwd, grad, statShape] of [
    [INSTANCE_NORM, INSTANCE_NORM_GRAD, (s: number[]) => [s[0], 1, 1, s[3]]],
    [LAYER_NORM, LAYER_NORM_GRAD, (s: number[]) => [s[0], 1, 1, 1]],
  ] as const) {
    it(`${fwd} and ${grad} x=[3,5,4,7] (sample 2 constant): outputs equal`, async () => {
      const shape = [3, 5, 4, 7];
      const per = 5 * 4 * 7;
      const xv = lcgValues(3 * per, 4).map((v, i) => (i >= 2 * per ? 0.5 : 2 * v + 1));
      await expectNoTensorLeak(() => {
        const x = tf.tensor4d(xv, shape as [number, number, number, number]);
        const dy = tf.tensor4d(lcgValues(3 * per, 5), shape as [number, number, number, number]);
        const attrs = { eps: 1e-5 };
        const [y0, s0] = runLoop(fwd, { x }, attrs);
        const [y1, s1] = runComposed(fwd, { x }, attrs);
        expect(s1.shape).toEqual(statShape(shape));
        expectAllClose(y1, y0, { atol: 1e-4, rtol: 1e-4, label: 'y' });
        expectAllClose(s1, s0, { atol: 1e-5, rtol: 1e-4, label: 'statistic' });
        const stat: tf.NamedTensorMap = fwd === INSTANCE_NORM ? { rstd: s0 } : { std: s0 };
        const [g0] = runLoop(grad, { dy, y: y0, ...stat }, attrs);
        const [g1] = runComposed(grad, { dy, y: y0, ...stat }, attrs);
        expectAllClose(g1, g0, { atol: 1e-4, rtol: 1e-4, label: 'dx' });
        tf.dispose([x, dy, y0, s0, y1, s1, g0, g1]);
      });
    });
  }

  it(`${CONV2D_BACKPROP_FILTER_BIAS} x=[2,7,6,3] k=3 s=2: dw = the stock filter gradient, db = float64 Σ dy`, () => {
    const x = tf.tensor4d(lcgValues(2 * 7 * 6 * 3, 8), [2, 7, 6, 3]);
    const dyv = lcgValues(2 * 4 * 3 * 5, 9);
    const dy = tf.tensor4d(dyv, [2, 4, 3, 5]);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], filterShape: [3, 3, 3, 5] };
    const [dw, db] = runComposed(CONV2D_BACKPROP_FILTER_BIAS, { x, dy }, attrs);
    const stock = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const sums = new Float64Array(5);
    dyv.forEach((v, i) => (sums[i % 5] += v));
    expectAllClose(dw, stock, { atol: 1e-6, rtol: 1e-6, label: 'dw' });
    expectAllClose(db, sums, { atol: 1e-5, rtol: 1e-5, label: 'db' });
    tf.dispose([x, dy, dw, db, stock]);
  });
});
