/**
 * Spectral normalization (Miyato et al. 2018) with `torch.nn.utils.spectral_norm`
 * semantics, wrapping a `Conv2d` or `ConvTranspose2d` (SPEC §2: every translator
 * conv). The weight matrix is the wrapped weight with output channels first,
 * flattened PyTorch-style (OIHW → `[out, in·kh·kw]`), so `u` and `v` are
 * interchangeable with PyTorch's `weight_u` / `weight_v`.
 *
 * - Training forward: one power iteration `v ← normalize(Wᵀu)`, `u ← normalize(Wv)`
 *   written to the persistent buffers, then σ = uᵀWv with u, v held constant
 *   (gradients flow through W in W/σ and in σ, not through u, v).
 * - Eval forward: σ from the stored u, v; no update.
 * - `foldedWeight()`: W/σ with eval semantics — what ONNX export writes.
 *
 * Names: the wrapped layer is child `module` (`<scope>.module.weight`,
 * `<scope>.module.bias`), buffers are `<scope>.u`, `<scope>.v`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { Rng } from '../init/rng';
import { defaultInitRng } from '../init/initializers';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, numberIn } from './layer';
import { WeightedLayer } from './conv2d';

/** Options of `SpectralNorm`. */
export interface SpectralNormOptions {
  /** Floor of the norm in `normalize` (PyTorch `eps`). Default 1e-12. */
  eps?: number;
  /** Stream for the initial u, v ~ N(0, 1), normalized. Default `defaultInitRng()`. */
  rng?: Rng;
}

export class SpectralNorm<M extends Module & WeightedLayer = Module & WeightedLayer> extends Module implements Layer {
  readonly module: M;
  /** Left singular vector estimate, `[out]`. */
  readonly u: tf.Variable;
  /** Right singular vector estimate, `[in·kh·kw]`. */
  readonly v: tf.Variable;
  readonly eps: number;

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
    const rng = options.rng ?? defaultInitRng();
    this.u = this.registerBuffer('u', tf.tidy(() => normalize(tf.tensor1d(rng.normalArray(rows)), this.eps)));
    this.v = this.registerBuffer('v', tf.tidy(() => normalize(tf.tensor1d(rng.normalArray(cols)), this.eps)));
  }

  /** The wrapped weight as the `[out, rest]` matrix of PyTorch. */
  private matrix(w: tf.Tensor): tf.Tensor2D {
    const rows = w.shape[this.module.outFirstPerm[0]];
    return tf.reshape(tf.transpose(w, this.module.outFirstPerm), [rows, -1]);
  }

  /** σ = uᵀ W v with the stored u, v (constants for differentiation). */
  private sigma(wm: tf.Tensor2D): tf.Scalar {
    return tf.sum(tf.mul(this.u, tf.squeeze(tf.matMul(wm, tf.reshape(this.v, [-1, 1])), [1])));
  }

  /** One power iteration on the current weight, written into `u` and `v`. */
  powerIteration(): void {
    tf.tidy(() => {
      const wm = this.matrix(this.module.weight);
      const v = normalize(tf.squeeze(tf.matMul(wm, tf.reshape(this.u, [-1, 1]), true, false), [1]), this.eps);
      const u = normalize(tf.squeeze(tf.matMul(wm, tf.reshape(v, [-1, 1])), [1]), this.eps);
      this.v.assign(v);
      this.u.assign(u);
    });
  }

  /** W/σ from the stored u, v (no update). Differentiable in W. */
  normalizedWeight(): tf.Tensor4D {
    return tf.tidy(() => tf.div(this.module.weight, this.sigma(this.matrix(this.module.weight))) as tf.Tensor4D);
  }

  /** W/σ with eval semantics: the weight ONNX export writes. Caller disposes. */
  foldedWeight(): tf.Tensor4D {
    return this.normalizedWeight();
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (this.training) this.powerIteration();
    return tf.tidy(() => this.module.forwardWithWeight(x, this.normalizedWeight()));
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

function normalize(x: tf.Tensor1D, eps: number): tf.Tensor1D {
  return tf.div(x, tf.maximum(tf.norm(x), eps));
}
