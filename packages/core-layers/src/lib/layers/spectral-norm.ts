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
import { spectralNormPowerIteration, spectralNormWeightGrad } from '@semadapt/compute';
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
   * ∂σ/∂W = u vᵀ, so dW = (dY − ⟨dY, W⟩/σ · u vᵀ) / σ. Both are one
   * kernel each over the weight in its own layout (compute's
   * spectral-norm-kernel.ts: two passes each); u and v stay in PyTorch's
   * order, and only the small v is transposed to and from the weight's.
   */
  private normalize(update: boolean): tf.Tensor4D {
    const weightOp = tf.customGrad(((w: tf.Tensor4D, save: tf.GradSaveFunc) => {
      // A recomputed block's second run starts from the u, v its first run read (module/recompute.ts).
      const [u0, v0] = replayable(() => [this.u, this.v]) as [tf.Tensor1D, tf.Tensor1D];
      const { value, u, v, vw, sigma } = tf.tidy(() => {
        // vw: v in the weight's order, [pre, post] around the out axis.
        const [u, vw, sigma] = spectralNormPowerIteration(w, u0, this.layout.toWeightOrder(v0), { update, eps: this.eps });
        const v = update ? this.layout.toTorchOrder(vw) : v0;
        return { value: tf.div(w, sigma) as tf.Tensor4D, u, v, vw, sigma };
      });
      if (update && !isRecomputing()) {
        this.u.assign(u);
        this.v.assign(v);
      }
      save([w, u, vw, sigma]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ws, us, vws, sg] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor2D, tf.Scalar];
        return spectralNormWeightGrad(dy as tf.Tensor4D, ws, us, vws, sg);
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
 * PyTorch's `[out, rest]` weight matrix and the weight in its own 4-D layout
 * (`outFirstPerm` maps it to PyTorch's): the weight viewed as
 * `[pre, out, post]` (the axes before and after its out axis) and v moved
 * between PyTorch's `[rest]` order and the weight's `[pre, post]`. The
 * weight itself is never transposed.
 */
class WeightMatrixLayout {
  /** The non-out axes in PyTorch's flattening order. */
  private readonly torchRest: number[];
  /** The non-out axes in the weight's own order. */
  private readonly nativeRest: number[];
  private readonly pre: number;
  private readonly post: number;

  constructor(private readonly shape: number[], perm: readonly number[]) {
    const outAxis = perm[0];
    this.torchRest = perm.slice(1);
    this.nativeRest = [0, 1, 2, 3].filter((a) => a !== outAxis);
    const size = (dims: number[]) => dims.reduce((n, d) => n * d, 1);
    this.pre = size(shape.slice(0, outAxis));
    this.post = size(shape.slice(outAxis + 1));
  }

  /** v `[rest]` (PyTorch order) → the weight's order, `[pre, post]`. */
  toWeightOrder(v: tf.Tensor1D): tf.Tensor2D {
    const torchShaped = tf.reshape(v, this.torchRest.map((a) => this.shape[a]));
    const toNative = this.nativeRest.map((a) => this.torchRest.indexOf(a));
    return tf.reshape(tf.transpose(torchShaped, toNative), [this.pre, this.post]);
  }

  /** vw `[pre, post]` (the weight's order) → v `[rest]` in PyTorch's order. */
  toTorchOrder(vw: tf.Tensor2D): tf.Tensor1D {
    const nativeShaped = tf.reshape(vw, this.nativeRest.map((a) => this.shape[a]));
    const toTorch = this.torchRest.map((a) => this.nativeRest.indexOf(a));
    return tf.reshape(tf.transpose(nativeShaped, toTorch), [-1]);
  }
}
