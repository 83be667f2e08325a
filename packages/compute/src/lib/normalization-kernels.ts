/**
 * Instance norm and MUNIT's layer norm as one kernel each way (forward and
 * gradient), for the wasm and cpu backends. Composed from tfjs ops an
 * instance norm is ~8 kernels forward and ~15 backward, most of them passes
 * over the whole activation (and tfjs-wasm transposes before every reduction
 * over H, W); the translator normalizes ~90 activations per step (SPEC §2).
 * Here each direction is two or three passes over NHWC memory, accumulating
 * in float64, and the tape keeps only the output and one small statistic.
 *
 *   instance norm, per sample and channel over H·W:
 *     y = (x − μ)·r,  r = 1/√(σ² + eps)  (σ² biased)
 *     dx = r·(g − mean(g) − y·mean(g·y))
 *   MUNIT layer norm, per sample over C·H·W:
 *     y = (x − μ)/(s + eps),  s = √(Σ(x − μ)²/(n − 1))
 *     dx = (g − mean(g))/(s + eps) − y·Σ(g·y)/((n − 1)·s)
 *
 * Backends whose memory these loops cannot reach (tfjs-node) register the
 * same kernels composed from tfjs ops (composed-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendMemory, type MemoryBackend } from './backend-memory';

export const INSTANCE_NORM = 'SemadaptInstanceNorm';
export const INSTANCE_NORM_GRAD = 'SemadaptInstanceNormGrad';
export const LAYER_NORM = 'SemadaptMunitLayerNorm';
export const LAYER_NORM_GRAD = 'SemadaptMunitLayerNormGrad';

/** NHWC extent of a rank-4 shape as (samples, pixels per sample, channels). */
function extent(shape: number[]): { n: number; hw: number; c: number } {
  if (shape.length !== 4) throw new Error(`normalization kernels: expected an NHWC rank-4 tensor, received shape [${shape}]`);
  return { n: shape[0], hw: shape[1] * shape[2], c: shape[3] };
}

/** y and r = 1/√(σ² + eps) per (sample, channel) of `x` [N, H, W, C]; `rstd` is [N·C]. */
export function instanceNormForward(x: Float32Array, shape: number[], eps: number, y: Float32Array, rstd: Float32Array): void {
  const { n, hw, c } = extent(shape);
  const sum = new Float64Array(c);
  const mean = new Float64Array(c);
  for (let s = 0; s < n; s++) {
    const base = s * hw * c;
    const end = base + hw * c;
    sum.fill(0);
    for (let i = base; i < end; i += c) for (let k = 0; k < c; k++) sum[k] += x[i + k];
    for (let k = 0; k < c; k++) mean[k] = sum[k] / hw;
    // Two passes (mean, then centred squares), as torch does, not E[x²] − μ².
    sum.fill(0);
    for (let i = base; i < end; i += c) {
      for (let k = 0; k < c; k++) {
        const d = x[i + k] - mean[k];
        sum[k] += d * d;
      }
    }
    for (let k = 0; k < c; k++) rstd[s * c + k] = 1 / Math.sqrt(sum[k] / hw + eps);
    for (let i = base; i < end; i += c) for (let k = 0; k < c; k++) y[i + k] = (x[i + k] - mean[k]) * rstd[s * c + k];
  }
}

/** dx of the instance norm from the upstream gradient `g`, the output `y` and `rstd`. */
export function instanceNormBackward(g: Float32Array, y: Float32Array, rstd: Float32Array, shape: number[], dx: Float32Array): void {
  const { n, hw, c } = extent(shape);
  const sg = new Float64Array(c);
  const sgy = new Float64Array(c);
  for (let s = 0; s < n; s++) {
    const base = s * hw * c;
    const end = base + hw * c;
    sg.fill(0);
    sgy.fill(0);
    for (let i = base; i < end; i += c) {
      for (let k = 0; k < c; k++) {
        sg[k] += g[i + k];
        sgy[k] += g[i + k] * y[i + k];
      }
    }
    for (let k = 0; k < c; k++) {
      sg[k] /= hw;
      sgy[k] /= hw;
    }
    for (let i = base; i < end; i += c) {
      for (let k = 0; k < c; k++) dx[i + k] = rstd[s * c + k] * (g[i + k] - sg[k] - y[i + k] * sgy[k]);
    }
  }
}

/** y and s (the unbiased std) per sample of `x` [N, H, W, C]; `std` is [N]. Needs C·H·W ≥ 2. */
export function layerNormForward(x: Float32Array, shape: number[], eps: number, y: Float32Array, std: Float32Array): void {
  const { n } = extent(shape);
  const m = x.length / n;
  for (let s = 0; s < n; s++) {
    const base = s * m;
    let sum = 0;
    for (let i = base; i < base + m; i++) sum += x[i];
    const mean = sum / m;
    let ss = 0;
    for (let i = base; i < base + m; i++) {
      const d = x[i] - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / (m - 1));
    std[s] = sd;
    const r = 1 / (sd + eps);
    for (let i = base; i < base + m; i++) y[i] = (x[i] - mean) * r;
  }
}

/** dx of MUNIT's layer norm from `g`, the output `y` and the per-sample std. */
export function layerNormBackward(g: Float32Array, y: Float32Array, std: Float32Array, shape: number[], eps: number, dx: Float32Array): void {
  const { n } = extent(shape);
  const m = g.length / n;
  for (let s = 0; s < n; s++) {
    const base = s * m;
    let sg = 0;
    let sgy = 0;
    for (let i = base; i < base + m; i++) {
      sg += g[i];
      sgy += g[i] * y[i];
    }
    const meanG = sg / m;
    const r = 1 / (std[s] + eps);
    // A constant sample (s = 0) has y = 0: its std term vanishes (subgradient).
    const k = std[s] > 0 ? sgy / ((m - 1) * std[s]) : 0;
    for (let i = base; i < base + m; i++) dx[i] = (g[i] - meanG) * r - y[i] * k;
  }
}

/** The array math behind the kernels: these JS loops, or the native addon's (native-kernels.ts). */
export interface NormalizationMath {
  instanceNormForward: typeof instanceNormForward;
  instanceNormBackward: typeof instanceNormBackward;
  layerNormForward: typeof layerNormForward;
  layerNormBackward: typeof layerNormBackward;
}

export const JS_NORMALIZATION_MATH: NormalizationMath = { instanceNormForward, instanceNormBackward, layerNormForward, layerNormBackward };

/** The four kernels of one backend over `math`. */
export function normalizationKernelConfigs(backendName: MemoryBackend, math: NormalizationMath = JS_NORMALIZATION_MATH): tf.KernelConfig[] {
  const memory = (backend: unknown) => backendMemory(backend as tf.KernelBackend, backendName);
  const instanceNorm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const mem = memory(backend);
    const { n, c } = extent(x.shape);
    const y = mem.alloc(x.shape);
    const rstd = mem.alloc([n, 1, 1, c]);
    math.instanceNormForward(mem.read(x), x.shape, (attrs as unknown as { eps: number }).eps, y.view(), rstd.view());
    return [y.info, rstd.info];
  };
  const instanceNormGrad: tf.KernelFunc = ({ inputs, backend }) => {
    const { dy, y, rstd } = inputs as Record<'dy' | 'y' | 'rstd', tf.TensorInfo>;
    const mem = memory(backend);
    const dx = mem.alloc(y.shape);
    math.instanceNormBackward(mem.read(dy), mem.read(y), mem.read(rstd), y.shape, dx.view());
    return dx.info;
  };
  const layerNorm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const mem = memory(backend);
    const y = mem.alloc(x.shape);
    const std = mem.alloc([x.shape[0], 1, 1, 1]);
    math.layerNormForward(mem.read(x), x.shape, (attrs as unknown as { eps: number }).eps, y.view(), std.view());
    return [y.info, std.info];
  };
  const layerNormGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, y, std } = inputs as Record<'dy' | 'y' | 'std', tf.TensorInfo>;
    const mem = memory(backend);
    const dx = mem.alloc(y.shape);
    math.layerNormBackward(mem.read(dy), mem.read(y), mem.read(std), y.shape, (attrs as unknown as { eps: number }).eps, dx.view());
    return dx.info;
  };
  return [
    { kernelName: INSTANCE_NORM, backendName, kernelFunc: instanceNorm },
    { kernelName: INSTANCE_NORM_GRAD, backendName, kernelFunc: instanceNormGrad },
    { kernelName: LAYER_NORM, backendName, kernelFunc: layerNorm },
    { kernelName: LAYER_NORM_GRAD, backendName, kernelFunc: layerNormGrad },
  ];
}

/** Gradients of the two forward kernels; the statistic output (second) is not differentiable. */
export const NORMALIZATION_GRADIENTS: readonly tf.GradConfig[] = [
  {
    kernelName: INSTANCE_NORM,
    outputsToSave: [true, true],
    gradFunc: (dys, saved) => {
      const [y, rstd] = saved;
      const dy = Array.isArray(dys) ? dys[0] : dys;
      return { x: () => tf.engine().runKernel(INSTANCE_NORM_GRAD, { dy, y, rstd }) as tf.Tensor };
    },
  },
  {
    kernelName: LAYER_NORM,
    outputsToSave: [true, true],
    gradFunc: (dys, saved, attrs) => {
      const [y, std] = saved;
      const dy = Array.isArray(dys) ? dys[0] : dys;
      return { x: () => tf.engine().runKernel(LAYER_NORM_GRAD, { dy, y, std }, attrs as tf.NamedAttrMap) as tf.Tensor };
    },
  },
];

/** Instance norm without affine through the fused kernel . */
export function fusedInstanceNorm(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  const [y, rstd] = tf.engine().runKernel(INSTANCE_NORM, { x }, { eps }) as tf.Tensor[];
  rstd.dispose();
  return y as tf.Tensor4D;
}

/** MUNIT's layer norm without affine through the fused kernel . */
export function fusedLayerNorm(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  const [y, std] = tf.engine().runKernel(LAYER_NORM, { x }, { eps }) as tf.Tensor[];
  std.dispose();
  return y as tf.Tensor4D;
}

/** `(x − μ)/√(σ² + eps)` per sample and channel over H, W (NHWC): instance norm without affine. */
export function instanceNormalize(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => fusedInstanceNorm(x, eps));
}

/** MUNIT's layer norm without affine: `(x − m)/(std + eps)` per sample over C·H·W, std unbiased. */
export function munitLayerNormalize(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => fusedLayerNorm(x, eps));
}
