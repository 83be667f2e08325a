/**
 * Spectral norm's kernels on every backend against independent references.
 * The power iteration (both modes): a float64 loop over the 4-D weight's
 * multi-index, and the same iteration composed from broadcast tfjs ops. The
 * weight gradient: a float64 loop from the definition over the multi-index
 * (dW = (dY − ⟨dY, W⟩/σ · u vᵀ)/σ, u along the out axis), and the tfjs-op
 * formula the layer used before the kernel (broadcast outer product, sum,
 * subtract, divide). The composed kernels (tfjs-node's) against the float64
 * loops too. Both weight layouts (HWIO conv: out axis 3, post = 1; tfjs
 * transposed conv [kh, kw, out, in]: out axis 2), out axis 0 (pre = 1), 1×1
 * kernels (pre = post = 1), odd sizes, sizes past the native loops'
 * threading threshold, and an empty weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, setTestBackend, testBackends } from '../testing';
import { composedKernelConfig } from './composed-kernels';
import { kernelImplementation } from './kernel-registry';
import { loadNativeKernels } from './native/addon';
import { SPECTRAL_NORM_GRAD, SPECTRAL_NORM_POWER, spectralNormPowerIteration, spectralNormWeightGrad } from './spectral-norm-kernel';

interface Case {
  shape: [number, number, number, number];
  outAxis: number;
}

const CASES: Case[] = [
  { shape: [3, 3, 5, 7], outAxis: 3 }, // HWIO conv
  { shape: [4, 4, 3, 5], outAxis: 2 }, // transposed conv [kh, kw, out, in]
  { shape: [7, 3, 2, 5], outAxis: 0 }, // pre = 1
  { shape: [1, 1, 1, 9], outAxis: 3 }, // 1×1 conv, one input channel: pre = post = 1
  { shape: [1, 1, 6, 1], outAxis: 2 }, // 1×1 transposed conv, one input channel: pre = post = 1
  { shape: [3, 3, 128, 230], outAxis: 3 }, // 264,960 weights: the native loops' threaded path (≥ 2^18)
  { shape: [4, 4, 130, 127], outAxis: 2 }, // 264,160 weights, post = 127, threaded
  { shape: [3, 3, 0, 4], outAxis: 3 }, // empty
];

/** The extents and the small inputs of one case: u [rows] and vw [pre, post], both unit vectors, and σ. */
function inputsOf(c: Case, seed: number) {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const rows = c.shape[c.outAxis];
  const pre = c.shape.slice(0, c.outAxis).reduce((a, b) => a * b, 1);
  const post = c.shape.slice(c.outAxis + 1).reduce((a, b) => a * b, 1);
  const unit = (v: Float32Array) => {
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  return {
    rows,
    pre,
    post,
    w: lcgValues(size, seed),
    dy: lcgValues(size, seed + 1),
    u: unit(lcgValues(rows, seed + 2)),
    vw: unit(lcgValues(pre * post, seed + 3)),
    sigma: 2.75,
  };
}

/** Float64 dW from the definition, element by element over the 4-D index. */
function float64Reference(c: Case, x: ReturnType<typeof inputsOf>): Float64Array {
  const [d0, d1, d2, d3] = c.shape;
  let dot = 0;
  for (let i = 0; i < x.w.length; i++) dot += x.dy[i] * x.w[i];
  const out = new Float64Array(x.w.length);
  let i = 0;
  for (let a = 0; a < d0; a++)
    for (let b = 0; b < d1; b++)
      for (let e = 0; e < d2; e++)
        for (let f = 0; f < d3; f++, i++) {
          const idx = [a, b, e, f];
          const o = idx[c.outAxis];
          // The weight's index without the out axis, flattened in the weight's order: v's position.
          const rest = idx.filter((_, k) => k !== c.outAxis);
          const restDims = c.shape.filter((_, k) => k !== c.outAxis);
          const vi = (rest[0] * restDims[1] + rest[1]) * restDims[2] + rest[2];
          out[i] = (x.dy[i] - (dot / x.sigma) * x.u[o] * x.vw[vi]) / x.sigma;
        }
  return out;
}

/** Index of v (the weight's order without the out axis) for each flat weight index, and o for each. */
function indexMaps(c: Case): { o: Int32Array; vi: Int32Array } {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const o = new Int32Array(size);
  const vi = new Int32Array(size);
  const restDims = c.shape.filter((_, k) => k !== c.outAxis);
  let i = 0;
  for (let a = 0; a < c.shape[0]; a++)
    for (let b = 0; b < c.shape[1]; b++)
      for (let e = 0; e < c.shape[2]; e++)
        for (let f = 0; f < c.shape[3]; f++, i++) {
          const idx = [a, b, e, f];
          const rest = idx.filter((_, k) => k !== c.outAxis);
          o[i] = idx[c.outAxis];
          vi[i] = (rest[0] * restDims[1] + rest[1]) * restDims[2] + rest[2];
        }
  return { o, vi };
}

/** Float64 power iteration and σ from the definition: [u, vw, σ]. */
function float64Power(c: Case, x: ReturnType<typeof inputsOf>, update: boolean, eps: number): [Float64Array, Float64Array, number] {
  const { o, vi } = indexMaps(c);
  const normalize = (a: Float64Array) => {
    const d = Math.max(Math.hypot(...a), eps);
    return a.map((v) => v / d);
  };
  const times = (v: Float64Array) => {
    const s = new Float64Array(x.rows);
    for (let i = 0; i < x.w.length; i++) s[o[i]] += x.w[i] * v[vi[i]];
    return s;
  };
  let u = Float64Array.from(x.u);
  let vw = Float64Array.from(x.vw);
  if (update) {
    const t = new Float64Array(vw.length);
    for (let i = 0; i < x.w.length; i++) t[vi[i]] += x.w[i] * u[o[i]];
    vw = normalize(t);
    u = normalize(times(vw));
  }
  const wv = times(vw);
  return [u, vw, u.reduce((acc, ui, k) => acc + ui * wv[k], 0)];
}

/** The power iteration composed from tfjs ops over the 4-D weight (broadcast products and sums), as a check on the layout. */
function composedPower(c: Case, w: tf.Tensor4D, u: tf.Tensor1D, vw: tf.Tensor2D, update: boolean, eps: number): tf.Tensor[] {
  return tf.tidy(() => {
    const uShape = c.shape.map((d, a) => (a === c.outAxis ? d : 1));
    const vShape = c.shape.map((d, a) => (a === c.outAxis ? 1 : d));
    const rest = [0, 1, 2, 3].filter((a) => a !== c.outAxis);
    const normalize = (t: tf.Tensor) => tf.div(t, tf.maximum(tf.norm(t), eps));
    const times = (v: tf.Tensor) => tf.sum(tf.mul(w, tf.reshape(v, vShape)), rest);
    const v1 = update ? tf.reshape(normalize(tf.sum(tf.mul(w, tf.reshape(u, uShape)), c.outAxis)), vw.shape) : vw;
    const u1 = update ? normalize(times(v1)) : u;
    return [tf.clone(u1), tf.clone(v1), tf.sum(tf.mul(u1, times(v1)))];
  });
}

/** The formula composed from tfjs ops, as spectral-norm.ts computed it before the kernel. */
function composedFormula(c: Case, dy: tf.Tensor4D, w: tf.Tensor4D, u: tf.Tensor1D, vw: tf.Tensor2D, sigma: tf.Scalar): tf.Tensor {
  return tf.tidy(() => {
    const uShape = c.shape.map((d, a) => (a === c.outAxis ? d : 1));
    const vShape = c.shape.map((d, a) => (a === c.outAxis ? 1 : d));
    const outer = tf.mul(tf.reshape(u, uShape), tf.reshape(vw, vShape));
    const along = tf.div(tf.sum(tf.mul(dy, w)), sigma);
    return tf.div(tf.sub(dy, tf.mul(along, outer)), sigma);
  });
}

describe.each(testBackends())('spectral norm weight-gradient kernel, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it("runs the addon's loops where the addon is loaded, else JS loops", () => {
    const expected = backend === 'cpu' || !loadNativeKernels().addon ? 'js' : 'native';
    expect(kernelImplementation(SPECTRAL_NORM_GRAD, backend)).toBe(expected);
    expect(kernelImplementation(SPECTRAL_NORM_POWER, backend)).toBe(expected);
  });

  it.each(CASES.map((c, k) => [`w=[${c.shape}] out axis ${c.outAxis}`, c, k] as const))('%s: = float64 definition = composed tfjs ops', async (_name, c, k) => {
    const x = inputsOf(c, 11 + 7 * k);
    await expectNoTensorLeak(() => {
      const dy = tf.tensor4d(x.dy, c.shape);
      const w = tf.tensor4d(x.w, c.shape);
      const u = tf.tensor1d(x.u);
      const vw = tf.tensor2d(x.vw, [x.pre, x.post]);
      const sigma = tf.scalar(x.sigma);
      const dw = spectralNormWeightGrad(dy, w, u, vw, sigma);
      const composed = composedFormula(c, dy, w, u, vw, sigma);
      // The composed kernel registered where our loops cannot reach the memory (tfjs-node).
      const registeredComposed = composedKernelConfig(SPECTRAL_NORM_GRAD, backend).kernelFunc({ inputs: { dy, w, u, vw, sigma }, backend: tf.backend(), attrs: {} }) as tf.Tensor;
      expect(dw.shape).toEqual(c.shape);
      expect(dw.dtype).toBe('float32');
      expectAllClose(dw, float64Reference(c, x), { atol: 1e-6, rtol: 1e-5, label: `${backend} vs float64` });
      expectAllClose(dw, composed, { atol: 1e-5, rtol: 1e-4, label: `${backend} vs composed` });
      expectAllClose(registeredComposed, float64Reference(c, x), { atol: 1e-5, rtol: 1e-4, label: 'composed kernel vs float64' });
      tf.dispose([dy, w, u, vw, sigma, dw, composed, registeredComposed]);
    });
  });

  for (const update of [true, false]) {
    it.each(CASES.map((c, k) => [`w=[${c.shape}] out axis ${c.outAxis}`, c, k] as const))(
      `%s: power iteration (update ${update}) and σ = float64 definition = composed tfjs ops`,
      async (_name, c, k) => {
        const x = inputsOf(c, 5 + 3 * k);
        const eps = 1e-12;
        await expectNoTensorLeak(() => {
          const w = tf.tensor4d(x.w, c.shape);
          const u = tf.tensor1d(x.u);
          const vw = tf.tensor2d(x.vw, [x.pre, x.post]);
          const got = spectralNormPowerIteration(w, u, vw, { update, eps });
          const [eu, evw, esigma] = float64Power(c, x, update, eps);
          const composed = composedPower(c, w, u, vw, update, eps);
          const registeredComposed = composedKernelConfig(SPECTRAL_NORM_POWER, backend).kernelFunc({ inputs: { w, u, vw }, backend: tf.backend(), attrs: { update, eps } }) as tf.Tensor[];
          expect(got.map((t) => t.shape)).toEqual([[x.rows], [x.pre, x.post], []]);
          for (const [label, out] of [[backend, got], ['composed ops', composed], ['composed kernel', registeredComposed]] as const) {
            const tol = label === backend ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-5, rtol: 1e-4 };
            expectAllClose(out[0], eu, { ...tol, label: `${label}: u` });
            expectAllClose(out[1], evw, { ...tol, label: `${label}: vw` });
            expectAllClose(out[2], esigma, { ...tol, label: `${label}: sigma` });
          }
          tf.dispose([w, u, vw, ...got, ...composed, ...registeredComposed]);
        });
      },
    );
  }

  it('names the mismatch when u and vw do not tile the weight', () => {
    tf.tidy(() => {
      const w = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
      expect(() => spectralNormWeightGrad(w, w, tf.zeros([4]) as tf.Tensor1D, tf.zeros([9, 3]) as tf.Tensor2D, tf.scalar(1))).toThrow(
        /SemadaptSpectralNormGrad: expected u \[rows\] and vw \[pre, post\].*size 72.*received u \[4\], vw \[9,3\]/,
      );
      expect(() => spectralNormPowerIteration(w, tf.zeros([2]) as tf.Tensor1D, tf.zeros([9, 3]) as tf.Tensor2D, { update: true, eps: 1e-12 })).toThrow(
        /SemadaptSpectralNormPower: expected u \[rows\] and vw \[pre, post\].*received u \[2\], vw \[9,3\]/,
      );
      expect(() => spectralNormWeightGrad(tf.zeros([3, 3, 4, 2]), w, tf.zeros([4]) as tf.Tensor1D, tf.zeros([18, 1]) as tf.Tensor2D, tf.scalar(1))).toThrow(
        /dy \[3,3,4,2\] and w \[3,3,2,4\] differ in shape/,
      );
    });
  });
});
