/**
 * The native convolutions' layout rule (native/src/kernels.cc): `plain`
 * (nhwc activations and the user's hwio filter, no reorder) below 64 output
 * pixels — for the filter gradient only up to 5×5 kernels —, else nhwc
 * activations where a channel count is below 32 and the conv is not dilated,
 * else oneDNN's blocked choice. Geometries on each side of each bound, run
 * under the rule and under each forced layout, give the cpu backend's
 * forward, input, filter and bias gradients (rel err ≤ 1e-4); the input
 * gradient reads the forward's reordered filter only when it holds the same
 * tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, relativeError, setTestBackend, testBackends } from '../testing';
import { loadNativeKernels, type ConvGeometry } from './native/addon';

process.env['SEMADAPT_NATIVE_MIN_FLOPS'] = '0';

const HAS_NATIVE = testBackends().includes('native');

type Layout = 'plain' | 'nhwc' | 'blocked';
type Case = { name: string; x: [number, number, number, number]; w: [number, number, number, number]; s: number; d: number; layout: Layout };

const CASES: Case[] = [
  { name: 'RGB input, 3 → 32, 3×3, 90 px', x: [1, 9, 10, 3], w: [3, 3, 3, 32], s: 1, d: 1, layout: 'nhwc' },
  { name: 'class scores, 40 → 19, 1×1, 84 px', x: [2, 7, 6, 40], w: [1, 1, 40, 19], s: 1, d: 1, layout: 'nhwc' },
  { name: '31 → 64 (just below the channel bound), 3×3 stride 2, 72 px', x: [1, 17, 16, 31], w: [3, 3, 31, 64], s: 2, d: 1, layout: 'nhwc' },
  { name: '32 → 40 (at the channel bound), 3×3 stride 2, 72 px', x: [1, 17, 16, 32], w: [3, 3, 32, 40], s: 2, d: 1, layout: 'blocked' },
  { name: '64 → 32, 1×1, 64 px (at the pixel bound)', x: [1, 8, 8, 64], w: [1, 1, 64, 32], s: 1, d: 1, layout: 'blocked' },
  { name: '64 → 48, 4×4 stride 2, 63 px (just below the pixel bound)', x: [1, 18, 13, 64], w: [4, 4, 64, 48], s: 2, d: 1, layout: 'plain' },
  { name: '32 → 40, 7×7, 30 px (plain; its filter gradient blocked)', x: [1, 5, 6, 32], w: [7, 7, 32, 40], s: 1, d: 1, layout: 'plain' },
  { name: 'dilated 24 → 16, 3×3 dilation 2, 90 px', x: [1, 10, 9, 24], w: [3, 3, 24, 16], s: 1, d: 2, layout: 'blocked' },
];

/** The geometry the kernels pass the addon for a 'same'-padded conv (only shapes and dilations decide the layout). */
function geometryOf(c: Case): ConvGeometry {
  const [n, h, w] = c.x;
  const [kh, kw, , co] = c.w;
  const oh = Math.ceil(h / c.s);
  const ow = Math.ceil(w / c.s);
  const padH = Math.max(0, (oh - 1) * c.s + (kh - 1) * c.d + 1 - h);
  const padW = Math.max(0, (ow - 1) * c.s + (kw - 1) * c.d + 1 - w);
  return {
    xShape: c.x,
    wShape: c.w,
    yShape: [n, oh, ow, co],
    strides: [c.s, c.s],
    dilations: [c.d, c.d],
    pads: [Math.floor(padH / 2), padH - Math.floor(padH / 2), Math.floor(padW / 2), padW - Math.floor(padW / 2)],
  };
}

/** y = conv(x, w) + b and dL/dx, dL/dw, dL/db for L = Σ y·r on the active backend. */
function convAndGrads(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(lcgValues(tf.util.sizeFromShape(c.x), 5), c.x);
    const w = tf.tensor4d(lcgValues(tf.util.sizeFromShape(c.w), 6).map((v) => v * 0.2), c.w);
    const b = tf.tensor1d(lcgValues(c.w[3], 7));
    // The biased forward kernel where tfjs's fused gradient allows it (no dilation), conv + add otherwise.
    const conv = (a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) =>
      c.d === 1
        ? tf.fused.conv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, bias, strides: c.s, pad: 'same', dilations: 1 })
        : tf.add(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.s, 'same', 'NHWC', c.d), bias);
    const y = conv(x, w, b);
    const r = tf.tensor(lcgValues(y.size, 99), y.shape);
    const grads = tf.grads((a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(conv(a, f, bias), r)))([x, w, b]);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

function expectClose(got: Float32Array[], want: Float32Array[], what: string): void {
  ['y', 'dx', 'dw', 'db'].slice(0, want.length).forEach((name, i) => {
    const err = relativeError(got[i], want[i]);
    if (!(err <= 1e-4)) throw new Error(`${what}: ${name} relative error ${err} > 1e-4 vs the cpu backend`);
  });
}

if (HAS_NATIVE) {
  describe('native convolution layout rule', () => {
    const addon = loadNativeKernels().addon;

    afterAll(() => addon?.setConvLayout?.('auto'));

    it.each(CASES)('$name: the rule picks $layout', (c) => {
      if (!addon?.convLayout || !addon.setConvLayout) throw new Error('addon without convLayout/setConvLayout: rebuild it');
      addon.setConvLayout('auto');
      expect(addon.convLayout(geometryOf(c))).toBe(c.layout);
    });

    it.each(CASES)('$name: y, dx, dw, db equal the cpu backend\'s under the rule and under each forced layout', async (c) => {
      if (!addon?.setConvLayout) throw new Error('addon without setConvLayout: rebuild it');
      await setTestBackend('cpu');
      const onCpu = convAndGrads(c);
      await setTestBackend('native');
      for (const mode of ['auto', 'plain', 'nhwc', 'blocked'] as const) {
        addon.setConvLayout(mode);
        expectClose(convAndGrads(c), onCpu, `${c.name} (${mode})`);
      }
      addon.setConvLayout('auto');
    });

    it('the input gradient reads the forward\'s reordered filter only when it is the same tensor', async () => {
      // A blocked geometry (weights reordered): forwards of w1 then w2 leave w2 in the forward's
      // copy; the input gradient of w1 must not read it, that of w2 may (and reorders from it).
      const xShape: [number, number, number, number] = [1, 8, 8, 32];
      const wShape: [number, number, number, number] = [3, 3, 32, 40];
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
      const sequence = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(lcgValues(8 * 8 * 32, 21), xShape);
          const dy = tf.tensor4d(lcgValues(8 * 8 * 40, 22), [1, 8, 8, 40]);
          const [w1, w2] = [23, 24].map((seed) => tf.tensor4d(lcgValues(9 * 32 * 40, seed).map((v) => v * 0.1), wShape));
          const b = tf.tensor1d(lcgValues(40, 25));
          const inputGrad = (w: tf.Tensor) => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }) as tf.Tensor;
          const out: tf.Tensor[] = [];
          out.push(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), tf.conv2d(x, w2 as tf.Tensor4D, 1, 'same'));
          out.push(inputGrad(w1), inputGrad(w2)); // w1: not the forward's copy; w2: from it
          out.push(tf.fused.conv2d({ x, filter: w1 as tf.Tensor4D, bias: b, strides: 1, pad: 'same', dilations: 1 }), inputGrad(w1)); // from the biased forward's copy
          out.push(inputGrad(w2)); // the biased forward holds w1 now, the plain one still w2
          return out.map((t) => Float32Array.from(t.dataSync()));
        });
      await setTestBackend('cpu');
      const onCpu = sequence();
      await setTestBackend('native');
      addon?.setConvLayout?.('auto');
      expect(addon?.convLayout?.({ xShape, wShape, yShape: [1, 8, 8, 40], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] })).toBe('blocked');
      sequence().forEach((a, i) => {
        const err = relativeError(a, onCpu[i]);
        if (!(err <= 1e-4)) throw new Error(`result ${i}: relative error ${err} > 1e-4 vs the cpu backend`);
      });
    });
  });
} else {
  describe('native convolution layout rule', () => {
    it('is not tested: the addon is not built', () => {
      console.warn('\n*** NATIVE CONVOLUTION LAYOUT RULE NOT TESTED: addon not built ***\n');
      expect(loadNativeKernels().status.enabled).toBe(false);
    });
  });
}
