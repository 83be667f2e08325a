/**
 * Conv2D gradients on cpu and wasm: our wasm `Conv2DBackpropFilter` kernel and
 * the dilated-conv gradient (`conv2dGradConfig`). References, independent of
 * tfjs: a float64 direct-loop convolution written here from the definition
 * (y[o] = Σ_k x[o·s + k·d − p]·W[k]), and central finite differences; plus
 * wasm vs the cpu backend (rel err ≤ 1e-4, issue 3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, numericGradient, relativeError, setTestBackend } from '../testing';
import { conv2dFilterGrad, opsExec } from './conv-grad-math';
import { conv2dFloat64, type ConvCase as Case, type ConvPad as Pad } from '../testing/conv-reference';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input-wasm';

// These specs check the pure wasm/cpu kernels of this folder; the optional oneDNN
// convolutions (native-conv-kernels.ts) would otherwise replace them on wasm.
process.env['SEMADAPT_NATIVE'] = '0';

function padName(p: Pad): string {
  return typeof p === 'string' ? p : `explicit[${p[1]},${p[2]}]`;
}

/** The grid of issue 3, pruned to valid combos (tfjs: stride or dilation is 1). */
function grid(): Case[] {
  const cases: Case[] = [];
  for (const k of [1, 3, 4, 5, 7])
    for (const s of [1, 2])
      for (const d of [1, 2, 6]) {
        if (s > 1 && d > 1) continue;
        if (k === 1 && d > 1) continue; // a 1x1 kernel has no dilation
        for (const pad of ['same', 'valid', 'explicit'] as const) {
          const eff = (k - 1) * d + 1;
          // Small but large enough that 'valid' leaves an output of 2-3 rows.
          const H = Math.max(6, eff + 1 + s);
          const W = H + 1;
          const p: Pad = pad === 'explicit' ? [[0, 0], [Math.min(2, k - 1), 1], [0, Math.min(3, k)], [0, 0]] : pad;
          cases.push({ x: [1, H, W, 3], co: 2, k, s, d, pad: p });
        }
      }
  // FCN8s: the first conv pads 100 (SPEC §3).
  cases.push({ x: [1, 4, 5, 2], co: 2, k: 3, s: 1, d: 1, pad: [[0, 0], [100, 100], [100, 100], [0, 0]] });
  // DeepLabV2 ASPP dilations 12..24 (same padding), tiny channels.
  for (const d of [12, 18, 24]) cases.push({ x: [1, 2 * d + 3, 2 * d + 2, 2], co: 2, k: 3, s: 1, d, pad: 'same' });
  // Batch > 1.
  cases.push({ x: [2, 7, 6, 3], co: 4, k: 3, s: 2, d: 1, pad: 'same' });
  return cases;
}

function gradsOf(c: Case, xv: Float32Array, wv: Float32Array, rv: Float32Array) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, [c.k, c.k, c.x[3], c.co]);
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d);
      return tf.sum(tf.mul(y, tf.reshape(tf.tensor1d(rv), y.shape)));
    };
    const [dx, dw] = tf.grads(f)([x, w]);
    return { dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
}

describe('Conv2D gradients (wasm Conv2DBackpropFilter, dilated conv gradient)', () => {
  const cases = grid();

  it('the wasm conv gradient kernels under test are ours', async () => {
    await setTestBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(conv2dBackpropFilterWasmConfig);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(conv2dBackpropInputWasmConfig);
  });

  for (const c of cases) {
    const name = `conv x=[${c.x}] co=${c.co} k=${c.k} s=${c.s} d=${c.d} pad=${padName(c.pad)}`;
    it(`${name}: dx, dW on cpu and wasm match the direct loop and each other`, async () => {
      const xv = lcgValues(c.x.reduce((a, b) => a * b, 1), 11);
      const wv = lcgValues(c.k * c.k * c.x[3] * c.co, 23);
      let rv: Float32Array = new Float32Array(0);
      const ref = conv2dFloat64(c, xv, wv, (oh, ow) => (rv = lcgValues(c.x[0] * oh * ow * c.co, 37)));
      const got: Record<string, { dx: ArrayLike<number>; dw: ArrayLike<number> }> = {};
      for (const backend of ['cpu', 'wasm'] as const) {
        await setTestBackend(backend);
        await expectNoTensorLeak(() => {
          got[backend] = gradsOf(c, xv, wv, rv);
        }, `${name} on ${backend}`);
        expect(relativeError(got[backend].dx, ref.dx)).toBeLessThanOrEqual(1e-4);
        expect(relativeError(got[backend].dw, ref.dw)).toBeLessThanOrEqual(1e-4);
      }
      expect(relativeError(got['wasm'].dx, got['cpu'].dx)).toBeLessThanOrEqual(1e-4);
      expect(relativeError(got['wasm'].dw, got['cpu'].dw)).toBeLessThanOrEqual(1e-4);
    });
  }

  for (const c of [
    { x: [1, 5, 4, 2], co: 2, k: 3, s: 2, d: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { x: [1, 5, 5, 2], co: 2, k: 3, s: 1, d: 2, pad: 'same' },
    { x: [1, 6, 5, 1], co: 2, k: 4, s: 2, d: 1, pad: 'valid' },
  ] as Case[]) {
    it(`finite differences on wasm: conv x=[${c.x}] k=${c.k} s=${c.s} d=${c.d} pad=${padName(c.pad)}`, async () => {
      await setTestBackend('wasm');
      const xv = lcgValues(c.x.reduce((a, b) => a * b, 1), 5);
      const wv = lcgValues(c.k * c.k * c.x[3] * c.co, 6);
      const ref = conv2dFloat64(c, xv, wv, () => null);
      const r = tf.tensor4d(lcgValues(ref.y.length, 7), [c.x[0], ref.OH, ref.OW, c.co]);
      const x = tf.tensor4d(xv, c.x);
      const w = tf.tensor4d(wv, [c.k, c.k, c.x[3], c.co]);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d), r));
      const [dx, dw] = tf.grads(loss)([x, w]);
      const fdx = numericGradient((t) => loss(t, w), x, 1e-2);
      const fdw = numericGradient((t) => loss(x, t), w, 1e-2);
      // L is linear in each argument: central differences are exact up to float32 rounding.
      expectAllClose(dx, fdx, { atol: 2e-3, rtol: 1e-3, label: 'dx vs finite differences' });
      expectAllClose(dw, fdw, { atol: 2e-3, rtol: 1e-3, label: 'dW vs finite differences' });
      tf.dispose([r, x, w, dx, dw, fdx, fdw]);
    });
  }

  it('conv x=[1,6,5,3] co=2 k=3 s=2 d=1 pad=same: filter gradient in tap groups (small im2col budget) == direct loop', async () => {
    await setTestBackend('cpu');
    const c: Case = { x: [1, 6, 5, 3], co: 2, k: 3, s: 2, d: 1, pad: 'same' };
    const xv = lcgValues(90, 3);
    const wv = lcgValues(54, 4);
    let rv: Float32Array = new Float32Array(0);
    const ref = conv2dFloat64(c, xv, wv, (oh, ow) => (rv = lcgValues(oh * ow * 2, 5)));
    for (const budget of [1, 3 * 6 * 2, 1 << 20]) {
      const got = tf.tidy(() =>
        conv2dFilterGrad(opsExec, tf.tensor4d(xv, c.x), tf.tensor4d(rv, [1, ref.OH, ref.OW, 2]), [3, 3, 3, 2], { strides: 2, pad: 'same' }, budget),
      );
      expect(relativeError(got, ref.dw)).toBeLessThanOrEqual(1e-5);
      got.dispose();
    }
  });
});
