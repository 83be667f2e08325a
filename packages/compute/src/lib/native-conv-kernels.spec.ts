/**
 * Native (oneDNN) convolutions on the wasm and native backends against the
 * pure-JS cpu backend and a float64 direct loop: forward, input gradient and filter gradient, rel err ≤ 1e-4 over
 * kernel sizes 1/3/4/5/7, strides 1/2, dilations 1/2/6 and same/valid/explicit
 * padding (issue 10). Where the addon is not built (no oneDNN), the spec says
 * so loudly and checks that the reason is reported and the pure wasm kernels
 * are in place; CI installs libdnnl-dev so the native path is covered there,
 * and `npm test` also runs the backend specs with SEMADAPT_NATIVE=0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFloat64, lcgValues, relativeError, setTestBackend, testBackends, type TestBackend } from '../testing';
import { nativeConvKernelsActive } from './native-conv-kernels';
import { loadNativeKernels } from './native/addon';

// Every convolution goes native (the default; set here so an inherited setting cannot change that).
process.env['SEMADAPT_NATIVE_MIN_FLOPS'] = '0';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];


/** y, dL/dx and dL/dw for L = Σ conv(x, w)·r on the active backend. */
function convAndGrads(xv: Float32Array, xShape: number[], wv: Float32Array, wShape: number[], s: number, d: number, pad: Pad) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
    const w = tf.tensor4d(wv, wShape as [number, number, number, number]);
    const y = tf.conv2d(x, w, s, pad, 'NHWC', d);
    const r = tf.tensor(lcgValues(y.size, 99), y.shape);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad, 'NHWC', d), r)))([x, w]);
    return [y.dataSync(), gx.dataSync(), gw.dataSync()].map((a) => Float32Array.from(a));
  });
}

const cases: Array<{ k: number; s: number; d: number; pad: Pad }> = [];
for (const k of [1, 3, 4, 5, 7])
  for (const s of [1, 2])
    for (const d of [1, 2, 6]) {
      if (s > 1 && d > 1) continue; // tfjs rejects stride > 1 with dilation > 1
      for (const pad of ['same', 'valid', [[0, 0], [1, 2], [2, 0], [0, 0]]] as Pad[]) {
        // Keep geometries with a non-empty output: the dilated kernel must fit
        // the padded input (12 wide unpadded, 14 with the explicit padding).
        const fits = pad === 'same' || (k - 1) * d + 1 <= (pad === 'valid' ? 12 : 14);
        if (!fits) continue;
        cases.push({ k, s, d, pad });
      }
    }

/** The backends whose convolutions the addon runs: wasm (views into its heap) and native (its typed arrays). */
const TARGETS: TestBackend[] = testBackends().filter((b) => b !== 'cpu');

describe.each(TARGETS)('native oneDNN convolutions (on %s) vs the cpu backend', (target) => {
  const { status } = loadNativeKernels();

  beforeAll(async () => {
    await setTestBackend(target);
    if (!status.enabled) console.warn(`\n*** NATIVE KERNELS NOT TESTED: ${status.detail} ***\n`);
  });

  it('reports its state: active with a version, or off with the reason', () => {
    if (status.enabled) {
      expect(status.detail).toMatch(/^oneDNN \d+\.\d+\.\d+ \S+, \d+ threads$/);
      expect(nativeConvKernelsActive(target)).toBe(true);
    } else {
      expect(status.detail).toMatch(/SEMADAPT_NATIVE=0|unavailable \(.+\)/);
      expect(nativeConvKernelsActive(target)).toBe(false);
    }
  });

  it.each(cases)('conv x=[2,13,12,3] co=5 k=$k s=$s d=$d pad=$pad: y, dx, dw', async ({ k, s, d, pad }) => {
    const xShape = [2, 13, 12, 3];
    const wShape = [k, k, 3, 5];
    const xv = lcgValues(2 * 13 * 12 * 3, 1 + k * 7 + s);
    const wv = lcgValues(k * k * 15, 3 + d);
    await setTestBackend(target);
    const onWasm = convAndGrads(xv, xShape, wv, wShape, s, d, pad);
    await setTestBackend('cpu');
    const onCpu = convAndGrads(xv, xShape, wv, wShape, s, d, pad);
    const ref = conv2dFloat64({ x: xShape as [number, number, number, number], co: 5, k, s, d, pad }, xv, wv, (oh, ow) => lcgValues(2 * oh * ow * 5, 99));
    const float64 = [ref.y, ref.dx, ref.dw];
    ['y', 'dx', 'dw'].forEach((name, i) => {
      const err = relativeError(onWasm[i], onCpu[i]);
      if (err > 1e-4) throw new Error(`${name}: relative error ${err} > 1e-4 against the cpu backend`);
      const err64 = relativeError(onWasm[i], float64[i]);
      if (err64 > 1e-4) throw new Error(`${name}: relative error ${err64} > 1e-4 against the float64 loop`);
    });
  });

  it('conv x=[2,9,9,4] co=6 in NCHW falls back to the replaced kernel and matches cpu', async () => {
    const xv = lcgValues(2 * 4 * 9 * 9, 11);
    const wv = lcgValues(3 * 3 * 4 * 6, 12);
    const run = () =>
      tf.tidy(() => Float32Array.from(tf.conv2d(tf.tensor4d(xv, [2, 4, 9, 9]), tf.tensor4d(wv, [3, 3, 4, 6]), 1, 'same', 'NCHW').dataSync()));
    await setTestBackend(target);
    let onWasm: Float32Array;
    try {
      onWasm = run();
    } catch (e) {
      // tfjs-backend-wasm itself supports NHWC only: the fallback must surface its error, not recurse.
      expect((e as Error).message).not.toMatch(/call stack/i);
      return;
    }
    await setTestBackend('cpu');
    expect(relativeError(onWasm, run())).toBeLessThan(1e-4);
  });

  it('conv x=[1,12,12,32] co=32 k=3 (blocked oneDNN weight layout, reordered) matches cpu', async () => {
    const xShape = [1, 12, 12, 32];
    const wShape = [3, 3, 32, 32];
    const xv = lcgValues(12 * 12 * 32, 5);
    const wv = lcgValues(9 * 32 * 32, 6).map((v) => v * 0.1);
    await setTestBackend(target);
    const onWasm = convAndGrads(xv, xShape, wv, wShape, 1, 1, 'same');
    await setTestBackend('cpu');
    const onCpu = convAndGrads(xv, xShape, wv, wShape, 1, 1, 'same');
    onWasm.forEach((a, i) => expect(relativeError(a, onCpu[i])).toBeLessThan(1e-4));
  });

  it.each([
    { bias: true, activation: 'linear', pad: 'same' },
    { bias: false, activation: 'linear', pad: 'valid' },
    { bias: true, activation: 'linear', pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { bias: true, activation: 'relu', pad: 'same' }, // stays on the stock kernel
  ] as Array<{ bias: boolean; activation: 'linear' | 'relu'; pad: Pad }>)(
    'fused conv x=[2,11,10,16] co=24 k=3 s=2 bias=$bias activation=$activation pad=$pad: y and dx, dw, db',
    async ({ bias, activation, pad }) => {
      const xv = lcgValues(2 * 11 * 10 * 16, 21);
      const wv = lcgValues(9 * 16 * 24, 22).map((v) => v * 0.2);
      const bv = lcgValues(24, 23);
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, [2, 11, 10, 16]);
          const w = tf.tensor4d(wv, [3, 3, 16, 24]);
          const b = tf.tensor1d(bv);
          const f = (a: tf.Tensor, c: tf.Tensor, d?: tf.Tensor) =>
            tf.fused.conv2d({ x: a as tf.Tensor4D, filter: c as tf.Tensor4D, strides: 2, pad, bias: d, activation });
          const y = f(x, w, bias ? b : undefined);
          const r = tf.tensor(lcgValues(y.size, 24), y.shape);
          const loss = (...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0], t[1], t[2]), r));
          const gs = tf.grads(loss)(bias ? [x, w, b] : [x, w]);
          return [y, ...gs].map((t) => Float32Array.from(t.dataSync()));
        });
      await setTestBackend(target);
      const onWasm = run();
      await setTestBackend('cpu');
      const onCpu = run();
      ['y', 'dx', 'dw', 'db'].slice(0, onCpu.length).forEach((name, i) => {
        const err = relativeError(onWasm[i], onCpu[i]);
        if (err > 1e-4) throw new Error(`${name}: relative error ${err} > 1e-4`);
      });
    },
  );

  it('backward kernels reuse another primitive\'s reordered input only when it holds the same tensor', async () => {
    // Same geometry throughout (32 channels: blocked layouts, so inputs are reordered): the filter gradient
    // follows a forward of x1 (shared copy) and of x2 (not x1's: recomputed), the input gradient
    // of dy1 (shared) and of dy2 (not), in both orders of the two backward kernels.
    const xShape: [number, number, number, number] = [1, 10, 10, 32];
    const wShape: [number, number, number, number] = [3, 3, 32, 32];
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const sequence = () =>
      tf.tidy(() => {
        const [x1, x2] = [7, 8].map((seed) => tf.tensor4d(lcgValues(3200, seed), xShape));
        const [dy1, dy2] = [9, 10].map((seed) => tf.tensor4d(lcgValues(3200, seed), xShape));
        const w = tf.tensor4d(lcgValues(9 * 1024, 11).map((v) => v * 0.1), wShape);
        const filterGrad = (x: tf.Tensor, dy: tf.Tensor) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: wShape }) as tf.Tensor;
        const inputGrad = (dy: tf.Tensor) => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }) as tf.Tensor;
        const out: tf.Tensor[] = [];
        out.push(tf.conv2d(x1, w, 1, 'same'), filterGrad(x1, dy1)); // x1 shared from the forward
        out.push(tf.conv2d(x2, w, 1, 'same'), filterGrad(x1, dy1)); // the forward now holds x2
        out.push(inputGrad(dy1), filterGrad(x2, dy1)); // dy1 shared from the input gradient
        out.push(inputGrad(dy2), filterGrad(x2, dy1)); // the input gradient now holds dy2
        out.push(filterGrad(x1, dy2), inputGrad(dy2), inputGrad(dy1)); // the other order
        return out.map((t) => Float32Array.from(t.dataSync()));
      });
    await setTestBackend(target);
    const onWasm = sequence();
    await setTestBackend('cpu');
    const onCpu = sequence();
    onWasm.forEach((a, i) => {
      const err = relativeError(a, onCpu[i]);
      if (err > 1e-4) throw new Error(`result ${i}: relative error ${err} > 1e-4`);
    });
  });
});
