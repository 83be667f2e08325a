/**
 * Spectral normalization's (Miyato et al. 2018) weight-sized work as two
 * kernels, for every backend; every translator conv is spectrally
 * normalized (SPEC §2), ~49M weights per step.
 *
 * - `SemadaptSpectralNormPower`: one power iteration and σ,
 *   v ← normalize(Wᵀu), u ← normalize(W·v), σ = uᵀ·W·v (with `update`
 *   false, σ from the given u, v). Two passes over W with sums in float64;
 *   composed from tfjs ops it was a matMul, a convolution of v with W
 *   (oneDNN re-packs the whole weight each call: W changes every step) and
 *   a dozen small kernels.
 * - `SemadaptSpectralNormGrad`: the gradient of W/σ with u, v held constant.
 *   ∂σ/∂W = u vᵀ, so c = Σ(dY ⊙ W) / σ and dW = (dY − c · u vᵀ) / σ: a
 *   reduction pass (float64) and one write pass, where the tfjs ops made six
 *   passes and five weight-sized temporaries.
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

export const SPECTRAL_NORM_POWER = 'SemadaptSpectralNormPower';
export const SPECTRAL_NORM_GRAD = 'SemadaptSpectralNormGrad';

/** The weight viewed as [pre, rows, post]. */
export interface SpectralNormExtent {
  pre: number;
  rows: number;
  post: number;
}

/** [pre, rows, post] from the shapes of w, u [rows] and vw [pre, post]; throws when they disagree. */
export function spectralNormExtent(wShape: readonly number[], uShape: readonly number[], vwShape: readonly number[], kernelName = SPECTRAL_NORM_GRAD): SpectralNormExtent {
  const size = wShape.reduce((a, b) => a * b, 1);
  if (uShape.length !== 1 || vwShape.length !== 2 || uShape[0] * vwShape[0] * vwShape[1] !== size) {
    throw new Error(`${kernelName}: expected u [rows] and vw [pre, post] with pre·rows·post = the weight's size ${size} ([${wShape}]), received u [${uShape}], vw [${vwShape}]`);
  }
  return { pre: vwShape[0], rows: uShape[0], post: vwShape[1] };
}

/** Attributes of `SemadaptSpectralNormPower`. */
export interface SpectralNormPowerAttrs {
  /** Run the power iteration (training); false: σ from the given u, v (eval). */
  update: boolean;
  /** Floor of the norms in normalize(x) = x / max(‖x‖, eps). */
  eps: number;
}

/** x / max(‖x‖, eps) in float64, rounded once into `out`. */
function normalizeInto(x: Float64Array, eps: number, out: Float32Array): void {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  const d = Math.max(Math.sqrt(ss), eps);
  for (let i = 0; i < x.length; i++) out[i] = x[i] / d;
}

/** s[o] = Σ_{p,q} w[p, o, q]·v[p, q] (W·v) in float64. */
function times(w: Float32Array, v: Float32Array, { pre, rows, post }: SpectralNormExtent): Float64Array {
  const s = new Float64Array(rows);
  let i = 0;
  for (let p = 0; p < pre; p++) for (let o = 0; o < rows; o++) for (let q = 0; q < post; q++, i++) s[o] += w[i] * v[p * post + q];
  return s;
}

/** One power iteration (when `update`) and σ = uᵀ·W·vw into u, vw and sigma [1]; sums in float64. */
export function spectralNormPower(w: Float32Array, u0: Float32Array, vw0: Float32Array, e: SpectralNormExtent, a: SpectralNormPowerAttrs, u: Float32Array, vw: Float32Array, sigma: Float32Array): void {
  const { pre, rows, post } = e;
  if (a.update) {
    const t = new Float64Array(pre * post);
    let i = 0;
    for (let p = 0; p < pre; p++) for (let o = 0; o < rows; o++) for (let q = 0; q < post; q++, i++) t[p * post + q] += w[i] * u0[o];
    normalizeInto(t, a.eps, vw);
    normalizeInto(times(w, vw, e), a.eps, u);
  } else {
    u.set(u0);
    vw.set(vw0);
  }
  const wv = times(w, vw, e);
  let s = 0;
  for (let o = 0; o < rows; o++) s += u[o] * wv[o];
  sigma[0] = s;
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

/** The array math behind the kernels: these JS loops, or the native addon's. */
export interface SpectralNormMath {
  power: typeof spectralNormPower;
  grad: typeof spectralNormGrad;
}

export const JS_SPECTRAL_NORM_MATH: SpectralNormMath = { power: spectralNormPower, grad: spectralNormGrad };

function checkFloat32(kernelName: string, inputs: Record<string, tf.TensorInfo>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`${kernelName}: ${name} must be float32, received ${t.dtype}`);
  }
}

function powerKernelFunc(backendName: MemoryBackend, math: SpectralNormMath): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { w, u, vw } = inputs as Record<'w' | 'u' | 'vw', tf.TensorInfo>;
    const extent = spectralNormExtent(w.shape, u.shape, vw.shape, SPECTRAL_NORM_POWER);
    checkFloat32(SPECTRAL_NORM_POWER, { w, u, vw });
    const mem = backendMemory(backend as tf.KernelBackend, backendName);
    // Allocate first: on wasm an allocation may move the heap under earlier views.
    // Every loop writes every element: no zero fill (cpu, native; wasm never fills).
    const alloc = (shape: number[]) => mem.alloc(shape, true);
    const outs = [alloc(u.shape), alloc(vw.shape), alloc([])];
    const [uOut, vwOut, sigma] = outs.map((o) => o.view());
    math.power(mem.read(w), mem.read(u), mem.read(vw), extent, attrs as unknown as SpectralNormPowerAttrs, uOut, vwOut, sigma);
    return outs.map((o) => o.info);
  };
}

function gradKernelFunc(backendName: MemoryBackend, math: SpectralNormMath): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, w, u, vw, sigma } = inputs as Record<'dy' | 'w' | 'u' | 'vw' | 'sigma', tf.TensorInfo>;
    const extent = spectralNormExtent(w.shape, u.shape, vw.shape);
    checkFloat32(SPECTRAL_NORM_GRAD, { dy, w, u, vw, sigma });
    if (!tf.util.arraysEqual(dy.shape, w.shape)) throw new Error(`${SPECTRAL_NORM_GRAD}: dy [${dy.shape}] and w [${w.shape}] differ in shape`);
    if (tf.util.sizeFromShape(sigma.shape) !== 1) throw new Error(`${SPECTRAL_NORM_GRAD}: sigma must be a scalar, received shape [${sigma.shape}]`);
    const mem = backendMemory(backend as tf.KernelBackend, backendName);
    const dw = mem.alloc(w.shape, true); // written entirely: no zero fill
    math.grad(mem.read(dy), mem.read(w), mem.read(u), mem.read(vw), mem.read(sigma)[0], extent, dw.view());
    return dw.info;
  };
}

/** The two kernels of `backendName` over `math` (default: the JS loops). */
export function spectralNormKernelConfigs(backendName: MemoryBackend, math: SpectralNormMath = JS_SPECTRAL_NORM_MATH): tf.KernelConfig[] {
  return [
    { kernelName: SPECTRAL_NORM_POWER, backendName, kernelFunc: powerKernelFunc(backendName, math) },
    { kernelName: SPECTRAL_NORM_GRAD, backendName, kernelFunc: gradKernelFunc(backendName, math) },
  ];
}

type NativeLoops = Required<Pick<OneDnnKernels, 'spectralNormPower' | 'spectralNormGrad'>>;

const built = new Map<string, tf.KernelConfig[]>();

/** The kernels of `backendName` ('wasm' or 'native') over the addon's OpenMP loops, built once; undefined when the addon lacks them. */
export function nativeSpectralNormKernelConfigs(addon: OneDnnKernels, backendName: MemoryBackend): tf.KernelConfig[] | undefined {
  if (typeof addon.spectralNormGrad !== 'function' || typeof addon.spectralNormPower !== 'function') return undefined;
  const loops = addon as NativeLoops;
  let configs = built.get(backendName);
  if (!configs) {
    configs = spectralNormKernelConfigs(backendName, {
      power: (w, u0, vw0, e, a, u, vw, sigma) => loops.spectralNormPower(w, u0, vw0, u, vw, sigma, e.pre, e.rows, e.post, a.update, a.eps),
      grad: (dy, w, u, vw, sigma, e, dw) => loops.spectralNormGrad(dy, w, u, vw, dw, e.pre, e.rows, e.post, sigma),
    });
    built.set(backendName, configs);
  }
  return configs;
}

/**
 * [u, vw, σ] after one power iteration from `u` [rows], `vw` [pre, post]
 * (when `update`; else u, vw as given and σ = uᵀ·W·vw). Not differentiable.
 */
export function spectralNormPowerIteration(w: tf.Tensor, u: tf.Tensor1D, vw: tf.Tensor2D, attrs: SpectralNormPowerAttrs): [tf.Tensor1D, tf.Tensor2D, tf.Scalar] {
  return tf.engine().runKernel(SPECTRAL_NORM_POWER, { w, u, vw }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor1D, tf.Tensor2D, tf.Scalar];
}

/**
 * dW of W/σ (u, v constant): `u` [rows] along the weight's out axis, `vw`
 * [pre, post] (see the file comment), `sigma` a scalar. Not differentiable.
 */
export function spectralNormWeightGrad<T extends tf.Tensor>(dy: T, w: T, u: tf.Tensor1D, vw: tf.Tensor2D, sigma: tf.Scalar): T {
  return tf.engine().runKernel(SPECTRAL_NORM_GRAD, { dy, w, u, vw, sigma }) as T;
}
