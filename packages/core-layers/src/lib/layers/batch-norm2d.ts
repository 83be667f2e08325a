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
 * act(bn(conv(x))) with the BatchNorm folded into the convolution when it
 * uses running statistics (SPEC §3's frozen BN, or eval mode):
 * conv(x, w·scale) + (b·scale + shift), the same function of x, w and the
 * BN parameters (gradients reach w through w·scale), computed by one op that
 * keeps only x, the folded filter and, with ReLU, y for the backward pass —
 * instead of the conv output, the BN's product and sum, and the pre-ReLU
 * tensor. With batch statistics (training a BN from scratch): the separate
 * ops.
 */
export function convBatchNorm(conv: Conv2d, bn: BatchNorm2d, x: tf.Tensor4D, activation: ConvActivation = 'linear'): tf.Tensor4D {
  if (bn.channels !== conv.outChannels) throw new Error(`convBatchNorm: BatchNorm2d has ${bn.channels} channels, the conv writes ${conv.outChannels}`);
  return tf.tidy(() => {
    const affine = bn.runningAffine();
    if (!affine) {
      const y = bn.forward(conv.forwardAffine(x, conv.weight as tf.Tensor4D, conv.bias as tf.Tensor1D | null));
      return activation === 'relu' ? tf.relu(y) : y;
    }
    // HWIO filter: the per-output-channel scale broadcasts over its last axis.
    const weight = tf.mul(conv.weight, affine.scale) as tf.Tensor4D;
    const bias = conv.bias ? (tf.add(tf.mul(conv.bias, affine.scale), affine.shift) as tf.Tensor1D) : affine.shift;
    return conv.forwardAffine(x, weight, bias, activation);
  });
}
