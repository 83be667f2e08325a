/**
 * Batch normalization over N, H, W of NHWC input. Default: frozen (SPEC §3:
 * DeepLabV2's BatchNorm never updates), always the running statistics,
 * `(x − running_mean)/√(running_var + eps)·weight + bias`, in train and eval
 * mode alike. With `batchStatistics`, a training-mode forward normalizes with
 * the batch's mean and biased variance and moves the running statistics
 * towards them (`momentum`, unbiased variance) — PyTorch's train mode, for
 * networks trained from scratch; eval mode still uses the running ones.
 * Names follow PyTorch (`weight`, `bias`, `running_mean`, `running_var`) so
 * ImageNet weights import one to one. `weight`/`bias` are parameters (freeze
 * the module to keep them fixed, as BDL does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { addParameter, floatConstant } from '../onnx/onnx-constants';
import { Layer, expectChannels, numberIn, positiveInt } from './layer';
import type { Conv2d } from './conv2d';
import type { ConvActivation } from './conv2d-bias';
import { channelAffineActivation } from './affine-ops';

/** Options of `BatchNorm2d`. */
export interface BatchNorm2dOptions {
  /** Channels. Required. */
  channels: number;
  /** Added to the running variance. Default 1e-5. */
  eps?: number;
  /** Per-channel `weight` (init 1) and `bias` (init 0). Default true. */
  affine?: boolean;
  /** Normalize training forwards with batch statistics and update the running ones. Default false (frozen). */
  batchStatistics?: boolean;
  /** Running-statistics update rate with `batchStatistics` (PyTorch's `momentum`). Default 0.1. */
  momentum?: number;
}

export class BatchNorm2d extends Module implements Layer {
  readonly channels: number;
  readonly eps: number;
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;
  /** Buffer, init 0. */
  readonly runningMean: tf.Variable;
  /** Buffer, init 1. */
  readonly runningVar: tf.Variable;
  readonly batchStatistics: boolean;
  readonly momentum: number;

  constructor(options: BatchNorm2dOptions) {
    super();
    this.channels = positiveInt(options.channels, 'channels', 'BatchNorm2d');
    this.eps = numberIn(options.eps ?? 1e-5, 'eps', 'BatchNorm2d', 0, 1);
    this.batchStatistics = options.batchStatistics ?? false;
    this.momentum = numberIn(options.momentum ?? 0.1, 'momentum', 'BatchNorm2d', 0, 1);
    if (options.affine ?? true) {
      this.weight = this.registerParameter('weight', tf.ones([this.channels]));
      this.bias = this.registerParameter('bias', tf.zeros([this.channels]));
    } else {
      this.weight = null;
      this.bias = null;
    }
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([this.channels]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([this.channels]));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    expectChannels(x, this.channels, 'BatchNorm2d');
    return tf.tidy(() => {
      const { scale, shift } = this.batchStatistics && this.training ? this.affineOf(...this.batchMoments(x)) : this.affineOf(this.runningMean, this.runningVar);
      return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    });
  }

  /**
   * The per-channel y = x·scale + shift this module applies now, when it does
   * not depend on the batch (running statistics: frozen, or eval mode); null
   * while batch statistics are used. Differentiable in weight and bias.
   */
  runningAffine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } | null {
    if (this.batchStatistics && this.training) return null;
    return tf.tidy(() => {
      const { scale, shift } = this.affineOf(this.runningMean, this.runningVar);
      return { scale: scale as tf.Tensor1D, shift: shift as tf.Tensor1D };
    });
  }

  /** scale = weight/√(var + eps), shift = bias − mean·scale (autodiff sees the same function as the normalization). */
  private affineOf(mean: tf.Tensor, variance: tf.Tensor): { scale: tf.Tensor; shift: tf.Tensor } {
    let scale = tf.rsqrt(tf.add(variance, this.eps));
    if (this.weight) scale = tf.mul(scale, this.weight);
    let shift = tf.neg(tf.mul(mean, scale));
    if (this.bias) shift = tf.add(shift, this.bias);
    return { scale, shift };
  }

  /** The batch's per-channel mean and biased variance; moves the running statistics towards them. */
  private batchMoments(x: tf.Tensor4D): [tf.Tensor, tf.Tensor] {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.size / this.channels;
    if (n < 2) throw new Error(`BatchNorm2d: batch statistics need more than one value per channel, input [${x.shape}]`);
    tf.tidy(() => {
      const m = this.momentum;
      // PyTorch keeps the unbiased variance, n/(n−1)·biased, in running_var.
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))));
    });
    return [mean, variance];
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const c = this.channels;
    const scale = this.weight ? addParameter(graph, scope, 'weight', this.weight) : floatConstant(graph, scopedName(scope, 'ones'), new Array(c).fill(1), [c]);
    const shift = this.bias ? addParameter(graph, scope, 'bias', this.bias) : floatConstant(graph, scopedName(scope, 'zeros'), new Array(c).fill(0), [c]);
    const mean = addParameter(graph, scope, 'running_mean', this.runningMean);
    const variance = addParameter(graph, scope, 'running_var', this.runningVar);
    return graph.node('BatchNormalization', [input, scale, shift, mean, variance], { epsilon: this.eps }, { name: scopedName(scope, 'batchNorm'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
  }
}

/**
 * Where `convBatchNorm` applies a running-statistics BatchNorm: 'filter'
 * folds it into the convolution's filter and bias, 'output' applies it to
 * the convolution's output; 'auto' picks the side with fewer elements.
 */
export type BatchNormSide = 'auto' | 'filter' | 'output';

/** Elements of conv(x)'s output for an input of this shape, from the conv's padding, stride and dilation. */
export function convOutputSize(conv: Conv2d, inputShape: readonly number[]): number {
  const [n, h, w] = inputShape;
  const pads = conv.padsFor(h, w);
  const extent = (size: number, before: number, after: number, a: 0 | 1) =>
    Math.floor((size + before + after - conv.dilation[a] * (conv.kernelSize[a] - 1) - 1) / conv.stride[a]) + 1;
  return n * extent(h, pads.top, pads.bottom, 0) * extent(w, pads.left, pads.right, 1) * conv.outChannels;
}

/** The side 'auto' picks: the filter while it has no more elements than the output, else the output. */
export function batchNormSideFor(conv: Conv2d, inputShape: readonly number[]): 'filter' | 'output' {
  return conv.weight.size <= convOutputSize(conv, inputShape) ? 'filter' : 'output';
}

/**
 * act(bn(conv(x))) as the same function of x, the conv's parameters and the
 * BN's, with the BatchNorm's y = z·scale + shift applied where it costs
 * fewer elementwise passes when it uses running statistics (SPEC §3's
 * frozen BN, or eval mode):
 *
 * - filter side: conv(x, w·scale) + (b·scale + shift), one op that keeps
 *   only x, the folded filter and, with ReLU, y for the backward pass. A
 *   filter-sized product in the forward and (through it) the backward.
 * - output side: act((conv(x, w) + b)·scale + shift) as a linear conv op
 *   (keeps x and w) and `channelAffineActivation` (keeps scale, y with ReLU,
 *   and z only when the BN's affine parameters take gradients: a frozen BN's
 *   scale and shift are constants). Output-sized passes only.
 *
 * Either way the conv output, the BN's product and sum and the pre-ReLU
 * tensor are not kept. 'auto' (the default) picks by element count
 * (`batchNormSideFor`): at DeepLabV2's 512×1024 (8192 positions at
 * stride 8) every output has more elements than its filter (filter side);
 * at 64×128 (128 positions) layer4's 3×3 filter is 36× its output (output
 * side). With batch statistics (training a BN from
 * scratch): the separate ops.
 */
export function convBatchNorm(conv: Conv2d, bn: BatchNorm2d, x: tf.Tensor4D, activation: ConvActivation = 'linear', side: BatchNormSide = 'auto'): tf.Tensor4D {
  if (bn.channels !== conv.outChannels) throw new Error(`convBatchNorm: BatchNorm2d has ${bn.channels} channels, the conv writes ${conv.outChannels}`);
  return tf.tidy(() => {
    const affine = bn.runningAffine();
    if (!affine) {
      const y = bn.forward(conv.forwardAffine(x, conv.weight as tf.Tensor4D, conv.bias as tf.Tensor1D | null));
      return activation === 'relu' ? tf.relu(y) : y;
    }
    if ((side === 'auto' ? batchNormSideFor(conv, x.shape) : side) === 'output') {
      const z = conv.forwardAffine(x, conv.weight as tf.Tensor4D, conv.bias as tf.Tensor1D | null);
      return channelAffineActivation(z, affine.scale, affine.shift, activation, { affineGradients: !bn.frozen });
    }
    // HWIO filter: the per-output-channel scale broadcasts over its last axis.
    const weight = tf.mul(conv.weight, affine.scale) as tf.Tensor4D;
    const bias = conv.bias ? (tf.add(tf.mul(conv.bias, affine.scale), affine.shift) as tf.Tensor1D) : affine.shift;
    return conv.forwardAffine(x, weight, bias, activation);
  });
}
