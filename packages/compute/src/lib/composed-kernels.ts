/**
 * Our fused kernels (instance / layer norm and their gradients, the Adam and
 * SGD updates, the MirrorPad fold, the filter-and-bias gradient, spectral
 * norm's power iteration and weight gradient) composed from tfjs ops, so
 * each fused op exists on every backend: a backend whose memory our loops
 * cannot reach (tfjs-node's libtensorflow) registers these, and the
 * filter-and-bias gradient is composed wherever the native addon does not
 * compute it in one pass.
 * Layers and optimizers therefore always call the op; which implementation
 * runs is the backend's registrar's business.
 *
 * A kernel function may return tensors made by ops: the engine keeps a
 * returned `Tensor` as is, and ops run inside a kernel are not taped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamUpdateAttrs, SgdUpdateAttrs } from './optimizer-kernels';
import { ADAM_UPDATE, SGD_UPDATE } from './optimizer-kernels';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, LAYER_NORM, LAYER_NORM_GRAD } from './normalization-kernels';
import { MIRROR_PAD_FOLD, type MirrorPadFoldAttrs } from './mirror-pad-fold-kernel';
import { CONV2D_BACKPROP_FILTER_BIAS } from './native-conv-kernels';
import { SPECTRAL_NORM_GRAD, SPECTRAL_NORM_POWER, spectralNormExtent, type SpectralNormPowerAttrs } from './spectral-norm-kernel';
import { RELU_GRAD } from './relu-grad-kernel';

type Inputs = Record<string, tf.Tensor>;
type Composed = (inputs: Inputs, attrs: tf.NamedAttrMap) => tf.Tensor | tf.Tensor[];

/** Instance norm: y and rstd = 1/√(σ² + eps) per (sample, channel), [N, 1, 1, C]. */
const instanceNorm: Composed = ({ x }, attrs) => {
  const eps = (attrs as unknown as { eps: number }).eps;
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const rstd = tf.rsqrt(tf.add(variance, eps));
  return [tf.mul(tf.sub(x, mean), rstd), rstd];
};

/** dx = r·(g − mean(g) − y·mean(g·y)) per (sample, channel). */
const instanceNormGrad: Composed = ({ dy, y, rstd }) =>
  tf.mul(rstd, tf.sub(tf.sub(dy, tf.mean(dy, [1, 2], true)), tf.mul(y, tf.mean(tf.mul(dy, y), [1, 2], true))));

/** MUNIT layer norm: y = (x − μ)/(s + eps), s the unbiased std per sample, [N, 1, 1, 1]. */
const layerNorm: Composed = ({ x }, attrs) => {
  const eps = (attrs as unknown as { eps: number }).eps;
  const m = x.size / x.shape[0];
  const d = tf.sub(x, tf.mean(x, [1, 2, 3], true));
  const std = tf.sqrt(tf.div(tf.sum(tf.square(d), [1, 2, 3], true), m - 1));
  return [tf.div(d, tf.add(std, eps)), std];
};

/** dx = (g − mean(g))/(s + eps) − y·Σ(g·y)/((m − 1)·s); a constant sample (s = 0) drops the second term. */
const layerNormGrad: Composed = ({ dy, y, std }, attrs) => {
  const eps = (attrs as unknown as { eps: number }).eps;
  const m = dy.size / dy.shape[0];
  const first = tf.div(tf.sub(dy, tf.mean(dy, [1, 2, 3], true)), tf.add(std, eps));
  const k = tf.where(tf.greater(std, 0), tf.div(tf.sum(tf.mul(dy, y), [1, 2, 3], true), tf.mul(std, m - 1)), tf.zerosLike(std));
  return tf.sub(first, tf.mul(y, k));
};

/** torch.optim.Adam's arithmetic: [p, m, v]. */
const adam: Composed = ({ p, g, m, v }, attrs) => {
  const a = attrs as unknown as AdamUpdateAttrs;
  const gd = a.weightDecay !== 0 ? tf.add(g, tf.mul(p, a.weightDecay)) : g;
  const m1 = tf.add(tf.mul(m, a.beta1), tf.mul(gd, 1 - a.beta1));
  const v1 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(gd), 1 - a.beta2));
  const denom = tf.add(tf.div(tf.sqrt(v1), a.bias2Sqrt), a.eps);
  return [tf.sub(p, tf.mul(tf.div(m1, denom), a.stepSize)), m1, v1];
};

/** torch.optim.SGD's arithmetic: [p] or [p, momentum buffer]. */
const sgd: Composed = ({ p, g, b }, attrs) => {
  const a = attrs as unknown as SgdUpdateAttrs;
  let d = a.weightDecay !== 0 ? tf.add(g, tf.mul(p, a.weightDecay)) : g;
  if (!b) return [tf.sub(p, tf.mul(d, a.lr))];
  const b1 = tf.add(tf.mul(b, a.momentum), d);
  d = a.nesterov ? tf.add(d, tf.mul(b1, a.momentum)) : b1;
  return [tf.sub(p, tf.mul(d, a.lr)), b1];
};

/** Folds dy (padded along `axis` by [before, after]) back onto length n. */
function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, n: number, mode: MirrorPadFoldAttrs['mode']): tf.Tensor {
  const shift = mode === 'reflect' ? 1 : 0;
  const sliceAxis = (t: tf.Tensor, start: number, len: number) => {
    const begin = t.shape.map(() => 0);
    const size = t.shape.slice();
    begin[axis] = start;
    size[axis] = len;
    return tf.slice(t, begin, size);
  };
  const padAxis = (t: tf.Tensor, lo: number, hi: number) => tf.pad(t, t.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0])) as [number, number][]);
  let out = sliceAxis(dy, before, n);
  if (before > 0) {
    // Padded row i < before copies input row (before − i − 1 + shift); reversed, row j copies j + shift.
    out = tf.add(out, padAxis(tf.reverse(sliceAxis(dy, 0, before), axis), shift, n - shift - before));
  }
  if (after > 0) {
    // Padded row before + n + j copies input row n − 1 − shift − j; reversed, row j copies n − shift − after + j.
    out = tf.add(out, padAxis(tf.reverse(sliceAxis(dy, before + n, after), axis), n - shift - after, shift));
  }
  return out;
}

/** The MirrorPad gradient: each padded axis folded back onto the input. */
const mirrorPadFold: Composed = ({ dy }, attrs) => {
  const a = attrs as unknown as MirrorPadFoldAttrs;
  let g: tf.Tensor = dy;
  a.paddings.forEach(([before, after], axis) => {
    if (before > 0 || after > 0) g = foldAxis(g, axis, before, after, a.xShape[axis], a.mode);
  });
  return g === dy ? tf.clone(dy) : g;
};

/** [dw, db]: the backend's filter gradient, and Σ dy over N, H, W. */
const filterBias: Composed = ({ x, dy }, attrs) => [
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor,
  tf.sum(dy, [0, 1, 2]),
];

/** Spectral norm's power iteration (when `update`) and σ = uᵀ·W·v over the weight viewed as [pre, rows, post]: [u, vw, σ]. */
const spectralNormPower: Composed = ({ w, u, vw }, attrs) => {
  const { update, eps } = attrs as unknown as SpectralNormPowerAttrs;
  const { pre, rows, post } = spectralNormExtent(w.shape, u.shape, vw.shape, SPECTRAL_NORM_POWER);
  const w3 = tf.reshape(w, [pre, rows, post]);
  const normalize = (x: tf.Tensor) => tf.div(x, tf.maximum(tf.norm(x), eps));
  const times = (v: tf.Tensor) => tf.sum(tf.mul(w3, tf.reshape(v, [pre, 1, post])), [0, 2]);
  const v1 = update ? normalize(tf.sum(tf.mul(w3, tf.reshape(u, [1, rows, 1])), 1)) : tf.clone(vw);
  const u1 = update ? normalize(times(v1)) : tf.clone(u);
  return [u1, v1, tf.sum(tf.mul(u1, times(v1)))];
};

/** Spectral norm's dW = (dy − Σ(dy ⊙ w)/σ · u vᵀ)/σ over the weight viewed as [pre, rows, post]. */
const spectralNormGrad: Composed = ({ dy, w, u, vw, sigma }) => {
  const { pre, rows, post } = spectralNormExtent(w.shape, u.shape, vw.shape);
  const outer = tf.reshape(tf.mul(tf.reshape(u, [1, rows, 1]), tf.reshape(vw, [pre, 1, post])), w.shape);
  return tf.div(tf.sub(dy, tf.mul(tf.div(tf.sum(tf.mul(dy, w)), sigma), outer)), sigma);
};

/** ReLU's gradient dy·step(y). */
const reluGrad: Composed = ({ dy, y }) => tf.mul(dy, tf.step(y));

const COMPOSED: Record<string, Composed> = {
  [INSTANCE_NORM]: instanceNorm,
  [INSTANCE_NORM_GRAD]: instanceNormGrad,
  [LAYER_NORM]: layerNorm,
  [LAYER_NORM_GRAD]: layerNormGrad,
  [ADAM_UPDATE]: adam,
  [SGD_UPDATE]: sgd,
  [MIRROR_PAD_FOLD]: mirrorPadFold,
  [CONV2D_BACKPROP_FILTER_BIAS]: filterBias,
  [SPECTRAL_NORM_POWER]: spectralNormPower,
  [SPECTRAL_NORM_GRAD]: spectralNormGrad,
  [RELU_GRAD]: reluGrad,
};

/** The names of every fused kernel we define (each backend registers all of them). */
export const FUSED_KERNEL_NAMES: readonly string[] = Object.keys(COMPOSED);

/** The composed kernel `kernelName` for `backendName`. */
export function composedKernelConfig(kernelName: string, backendName: string): tf.KernelConfig {
  const body = COMPOSED[kernelName];
  if (!body) throw new Error(`composedKernelConfig: no composed form of '${kernelName}' (known: ${FUSED_KERNEL_NAMES.join(', ')})`);
  const kernelFunc = ({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }) =>
    tf.tidy(() => body(inputs as unknown as Inputs, attrs ?? {})) as unknown as tf.TensorInfo | tf.TensorInfo[];
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Every fused kernel, composed, for `backendName`. */
export function composedKernelConfigs(backendName: string): tf.KernelConfig[] {
  return FUSED_KERNEL_NAMES.map((k) => composedKernelConfig(k, backendName));
}
