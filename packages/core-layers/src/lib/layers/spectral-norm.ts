/**
 * Spectral normalization (Miyato et al. 2018) with `torch.nn.utils.spectral_norm`
 * semantics, wrapping a `Conv2d` or `ConvTranspose2d` (SPEC §2: every translator
 * conv). The weight matrix is the wrapped weight with output channels first,
 * flattened PyTorch-style (OIHW → `[out, in·kh·kw]`), so `u` and `v` are
 * interchangeable with PyTorch's `weight_u` / `weight_v`.
 *
 * - Training forward: one power iteration `v ← normalize(Wᵀu)`, `u ← normalize(Wv)`
 *   written to the persistent buffers, then σ = uᵀWv with u, v held constant
 *   (gradients flow through W in W/σ and in σ, not through u, v). W/σ is one
 *   custom-gradient op, so the tape keeps W, u, v and σ only — not the
 *   transposed copies and products an autodiffed version would.
 * - Eval forward: σ from the stored u, v; no update.
 * - `foldedWeight()`: W/σ with eval semantics — what ONNX export writes.
 *
 * Names: the wrapped layer is child `module` (`<scope>.module.weight`,
 * `<scope>.module.bias`), buffers are `<scope>.u`, `<scope>.v`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spectralNormWeightGrad } from '@semadapt/compute';
import { Module } from '../module/module';
import { isRecomputing, replayable } from '../module/recompute';
import { Rng } from '../init/rng';
import { initRng } from '../init/initializers';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, numberIn } from './layer';
import { WeightedLayer } from './conv2d';

/** Options of `SpectralNorm`. */
export interface SpectralNormOptions {
  /** Floor of the norm in `normalize` (PyTorch `eps`). Default 1e-12. */
  eps?: number;
  /** Stream for the initial u, v ~ N(0, 1), normalized. Default a new stream seeded `DEFAULT_INIT_SEED`. */
  rng?: Rng;
}

export class SpectralNorm<M extends Module & WeightedLayer = Module & WeightedLayer> extends Module implements Layer {
  readonly module: M;
  /** Left singular vector estimate, `[out]`. */
  readonly u: tf.Variable;
  /** Right singular vector estimate, `[in·kh·kw]`. */
  readonly v: tf.Variable;
  readonly eps: number;
  private readonly layout: WeightMatrixLayout;

  constructor(module: M, options: SpectralNormOptions = {}) {
    super();
    this.eps = numberIn(options.eps ?? 1e-12, 'eps', 'SpectralNorm', 0, 1);
    if (!(module instanceof Module) || typeof module.forwardWithWeight !== 'function') {
      throw new Error(`SpectralNorm: wraps a Conv2d or ConvTranspose2d, received ${module?.constructor?.name ?? String(module)}`);
    }
    this.module = this.registerModule('module', module);
    const shape = module.weight.shape;
    const rows = shape[module.outFirstPerm[0]];
    const cols = module.weight.size / rows;
    this.layout = new WeightMatrixLayout(shape.slice(), module.outFirstPerm);
    const rng = initRng(options.rng);
    this.u = this.registerBuffer('u', tf.tidy(() => normalizeVector(tf.tensor1d(rng.normalArray(rows)), this.eps)));
    this.v = this.registerBuffer('v', tf.tidy(() => normalizeVector(tf.tensor1d(rng.normalArray(cols)), this.eps)));
  }

  /**
   * W/σ as one differentiable op. The power iteration (training) and σ run
   * inside the op's forward, so nothing of them is kept for the backward
   * pass; the backward is the closed form with u, v constant:
   * ∂σ/∂W = u vᵀ, so dW = (dY − ⟨dY, W⟩/σ · u vᵀ) / σ.
   * u and v stay in PyTorch's order; the weight is never transposed — the
   * small vectors are reshaped into its layout instead.
   */
  private normalize(update: boolean): tf.Tensor4D {
    const weightOp = tf.customGrad(((w: tf.Tensor4D, save: tf.GradSaveFunc) => {
      // A recomputed block's second run starts from the u, v its first run read (module/recompute.ts).
      const [u0, v0] = replayable(() => [this.u, this.v]) as [tf.Tensor1D, tf.Tensor1D];
      const { value, u, v, sigma } = tf.tidy(() => {
        let u = u0;
        let v = v0;
        if (update) v = normalizeVector(this.layout.transposeTimes(w, u), this.eps);
        const wv = this.layout.times(w, v);
        if (update) u = normalizeVector(wv, this.eps);
        const sigma = tf.sum(tf.mul(u, wv));
        return { value: tf.div(w, sigma) as tf.Tensor4D, u, v, sigma };
      });
      if (update && !isRecomputing()) {
        this.u.assign(u);
        this.v.assign(v);
      }
      save([w, u, v, sigma]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ws, us, vs, sg] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Scalar];
        // One fused kernel: a reduction pass and a write pass over the weight (compute's spectral-norm-kernel.ts).
        return tf.tidy(() => spectralNormWeightGrad(dy as tf.Tensor4D, ws, us, this.layout.restMatrix(vs), sg));
      };
      return { value, gradFunc };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return weightOp(this.module.weight) as tf.Tensor4D;
  }

  /** W/σ from the stored u, v (no update). Differentiable in W. */
  normalizedWeight(): tf.Tensor4D {
    return this.normalize(false);
  }

  /** W/σ with eval semantics: the weight ONNX export writes. Caller disposes. */
  foldedWeight(): tf.Tensor4D {
    return this.normalizedWeight();
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.module.forwardWithWeight(x, this.normalize(this.training)));
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const w = this.foldedWeight();
    try {
      return this.module.toOnnxWithWeight(graph, input, scopedName(scope, 'module'), w);
    } finally {
      w.dispose();
    }
  }
}

function normalizeVector(x: tf.Tensor1D, eps: number): tf.Tensor1D {
  return tf.div(x, tf.maximum(tf.norm(x), eps));
}

/**
 * The products of PyTorch's `[out, rest]` weight matrix with vectors,
 * computed on the weight in its own 4-D layout (`outFirstPerm` maps it to
 * PyTorch's): W·v and Wᵀ·u without materializing the transposed matrix.
 */
class WeightMatrixLayout {
  private readonly outAxis: number;
  /** The non-out axes in PyTorch's flattening order. */
  private readonly torchRest: number[];
  /** The non-out axes in the weight's own order. */
  private readonly nativeRest: number[];

  constructor(private readonly shape: number[], perm: readonly number[]) {
    this.outAxis = perm[0];
    this.torchRest = perm.slice(1);
    this.nativeRest = [0, 1, 2, 3].filter((a) => a !== this.outAxis);
  }

  /** u `[out]` shaped to broadcast against the weight. */
  outShaped(u: tf.Tensor1D): tf.Tensor4D {
    return tf.reshape(u, this.shape.map((d, a) => (a === this.outAxis ? d : 1)) as [number, number, number, number]);
  }

  /** v `[rest]` (PyTorch order) shaped to broadcast against the weight. */
  restShaped(v: tf.Tensor1D): tf.Tensor4D {
    const torchShaped = tf.reshape(v, this.torchRest.map((a) => this.shape[a]));
    const toNative = this.nativeRest.map((a) => this.torchRest.indexOf(a));
    return tf.reshape(tf.transpose(torchShaped, toNative), this.shape.map((d, a) => (a === this.outAxis ? 1 : d)) as [number, number, number, number]);
  }

  /** v `[rest]` (PyTorch order) in the weight's order as `[pre, post]`: the axes before and after the out axis. */
  restMatrix(v: tf.Tensor1D): tf.Tensor2D {
    const size = (axes: number[]) => axes.reduce((n, d) => n * d, 1);
    return tf.reshape(this.restShaped(v), [size(this.shape.slice(0, this.outAxis)), size(this.shape.slice(this.outAxis + 1))]);
  }

  /** W·v → `[out]`. */
  times(w: tf.Tensor4D, v: tf.Tensor1D): tf.Tensor1D {
    if (this.outAxis === 3) {
      // HWIO: W·v is a 'valid' convolution of v (as a kh×kw×in image) with W. As a [1, rest]×[rest, out]
      // matMul, XNNPACK would re-pack the whole weight on every call (W changes each step): ~10× slower.
      const [kh, kw, cin, rows] = this.shape;
      return tf.reshape(tf.conv2d(tf.reshape(this.restShaped(v), [1, kh, kw, cin]) as tf.Tensor4D, w, 1, 'valid'), [rows]) as tf.Tensor1D;
    }
    return tf.sum(tf.mul(w, this.restShaped(v)), this.nativeRest) as tf.Tensor1D;
  }

  /** Wᵀ·u → `[rest]` in PyTorch's order (computed in the weight's order, then the small result transposed). */
  transposeTimes(w: tf.Tensor4D, u: tf.Tensor1D): tf.Tensor1D {
    const inWeightOrder =
      this.outAxis === 3
        ? tf.reshape(tf.matMul(tf.reshape(w, [-1, this.shape[3]]), tf.reshape(u, [-1, 1])), this.nativeRest.map((a) => this.shape[a]))
        : tf.sum(tf.mul(w, this.outShaped(u)), this.outAxis);
    const toTorch = this.torchRest.map((a) => this.nativeRest.indexOf(a));
    return tf.reshape(tf.transpose(inWeightOrder, toTorch), [-1]) as tf.Tensor1D;
  }
}
