/**
 * The weight gradient of spectral normalization (Miyato et al. 2018) as one
 * kernel, for every backend. With W/σ, σ = uᵀWv and u, v held constant,
 * ∂σ/∂W = u vᵀ, so
 *
 *   c = Σ(dY ⊙ W) / σ,   dW = (dY − c · u vᵀ) / σ.
 *
 * Composed from tfjs ops that is six passes over the weight and five
 * weight-sized temporaries (outer product, multiply, sum, subtract, two
 * divides); every translator conv is spectrally normalized (SPEC §2), ~49M
 * weights per step. Here it is a reduction pass (accumulated in float64) and
 * one write pass.
 *
 * Layout: the weight in its own layout, viewed as [pre, rows, post] with rows
 * its out axis (HWIO conv: pre = kh·kw·in, post = 1; tfjs's [kh, kw, out, in]
 * transposed conv: pre = kh·kw, post = in); `u` is [rows] and `vw` is v laid
 * out in the weight's order without the out axis, [pre, post]. The extents
 * come from those shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendMemory, type MemoryBackend } from './backend-memory';
import type { OneDnnKernels } from './native/addon';

export const SPECTRAL_NORM_GRAD = 'SemadaptSpectralNormGrad';

/** The weight viewed as [pre, rows, post]. */
export interface SpectralNormExtent {
  pre: number;
  rows: number;
  post: number;
}

/** [pre, rows, post] from the shapes of w, u [rows] and vw [pre, post]; throws when they disagree. */
export function spectralNormExtent(wShape: readonly number[], uShape: readonly number[], vwShape: readonly number[]): SpectralNormExtent {
  const size = wShape.reduce((a, b) => a * b, 1);
  if (uShape.length !== 1 || vwShape.length !== 2 || uShape[0] * vwShape[0] * vwShape[1] !== size) {
    throw new Error(`${SPECTRAL_NORM_GRAD}: expected u [rows] and vw [pre, post] with pre·rows·post = the weight's size ${size} ([${wShape}]), received u [${uShape}], vw [${vwShape}]`);
  }
  return { pre: vwShape[0], rows: uShape[0], post: vwShape[1] };
}

/** dw = (dy − c·u[o]·vw[p, q]) / σ with c = Σ(dy ⊙ w)/σ, in float64 per element, rounded once to float32. */
export function spectralNormGrad(dy: Float32Array, w: Float32Array, u: Float32Array, vw: Float32Array, sigma: number, e: SpectralNormExtent, dw: Float32Array): void {
  const { pre, rows, post } = e;
  let dot = 0;
  for (let i = 0; i < dy.length; i++) dot += dy[i] * w[i];
  const c = dot / sigma;
  let i = 0;
  for (let p = 0; p < pre; p++) {
    for (let o = 0; o < rows; o++) {
      const cu = c * u[o];
      const v = p * post;
      for (let q = 0; q < post; q++, i++) dw[i] = (dy[i] - cu * vw[v + q]) / sigma;
    }
  }
}

/** The array math behind the kernel: this JS loop, or the native addon's. */
export type SpectralNormMath = typeof spectralNormGrad;

function spectralNormKernelFunc(backendName: MemoryBackend, math: SpectralNormMath): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, w, u, vw, sigma } = inputs as Record<'dy' | 'w' | 'u' | 'vw' | 'sigma', tf.TensorInfo>;
    const extent = spectralNormExtent(w.shape, u.shape, vw.shape);
    for (const [name, t] of Object.entries({ dy, w, u, vw, sigma })) {
      if (t.dtype !== 'float32') throw new Error(`${SPECTRAL_NORM_GRAD}: ${name} must be float32, received ${t.dtype}`);
    }
    if (!tf.util.arraysEqual(dy.shape, w.shape)) throw new Error(`${SPECTRAL_NORM_GRAD}: dy [${dy.shape}] and w [${w.shape}] differ in shape`);
    if (tf.util.sizeFromShape(sigma.shape) !== 1) throw new Error(`${SPECTRAL_NORM_GRAD}: sigma must be a scalar, received shape [${sigma.shape}]`);
    const mem = backendMemory(backend as tf.KernelBackend, backendName);
    // Allocate first: on wasm an allocation may move the heap under earlier views.
    const dw = mem.alloc(w.shape);
    math(mem.read(dy), mem.read(w), mem.read(u), mem.read(vw), mem.read(sigma)[0], extent, dw.view());
    return dw.info;
  };
}

/** The kernel of `backendName` over `math` (default: the JS loop). */
export function spectralNormKernelConfig(backendName: MemoryBackend, math: SpectralNormMath = spectralNormGrad): tf.KernelConfig {
  return { kernelName: SPECTRAL_NORM_GRAD, backendName, kernelFunc: spectralNormKernelFunc(backendName, math) };
}

type NativeLoop = Required<Pick<OneDnnKernels, 'spectralNormGrad'>>;

const built = new Map<string, tf.KernelConfig>();

/** The kernel of `backendName` ('wasm' or 'native') over the addon's OpenMP loop, built once; undefined when the addon lacks it. */
export function nativeSpectralNormKernelConfigs(addon: OneDnnKernels, backendName: MemoryBackend): tf.KernelConfig[] | undefined {
  if (typeof addon.spectralNormGrad !== 'function') return undefined;
  const loop = addon as NativeLoop;
  let config = built.get(backendName);
  if (!config) {
    config = spectralNormKernelConfig(backendName, (dy, w, u, vw, sigma, e, dw) => loop.spectralNormGrad(dy, w, u, vw, dw, e.pre, e.rows, e.post, sigma));
    built.set(backendName, config);
  }
  return [config];
}

/**
 * dW of W/σ (u, v constant): `u` [rows] along the weight's out axis, `vw`
 * [pre, post] (see the file comment), `sigma` a scalar. Not differentiable.
 */
export function spectralNormWeightGrad<T extends tf.Tensor>(dy: T, w: T, u: tf.Tensor1D, vw: tf.Tensor2D, sigma: tf.Scalar): T {
  return tf.engine().runKernel(SPECTRAL_NORM_GRAD, { dy, w, u, vw, sigma }) as T;
}
