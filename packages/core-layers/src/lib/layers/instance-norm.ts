/**
 * Instance normalization (Ulyanov et al.), `torch.nn.InstanceNorm2d` with
 * `track_running_stats=False`: per sample and channel, mean and biased
 * variance over H·W, `(x − μ)/√(σ² + eps)`, optional per-channel affine.
 * Used throughout the translator (SPEC §2) and, without affine, inside SPADE.
 */
import * as tf from '@tensorflow/tfjs-core';
import { instanceNormalize } from '@semadapt/compute';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { addParameter, floatConstant } from '../onnx/onnx-constants';
import { Layer, expectChannels, numberIn, positiveInt } from './layer';

/** Options of `InstanceNorm`. */
export interface InstanceNormOptions {
  /** Channels. Required. */
  channels: number;
  /** Learn a per-channel scale (`weight`, init 1) and shift (`bias`, init 0). Default false (PyTorch's default). */
  affine?: boolean;
  /** Added to the variance. Default 1e-5. */
  eps?: number;
}

export class InstanceNorm extends Module implements Layer {
  readonly channels: number;
  readonly eps: number;
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(options: InstanceNormOptions) {
    super();
    this.channels = positiveInt(options.channels, 'channels', 'InstanceNorm');
    this.eps = numberIn(options.eps ?? 1e-5, 'eps', 'InstanceNorm', 0, 1);
    if (options.affine) {
      this.weight = this.registerParameter('weight', tf.ones([this.channels]));
      this.bias = this.registerParameter('bias', tf.zeros([this.channels]));
    } else {
      this.weight = null;
      this.bias = null;
    }
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    expectChannels(x, this.channels, 'InstanceNorm');
    return tf.tidy(() => {
      let y = instanceNormalize(x, this.eps);
      if (this.weight && this.bias) y = tf.add(tf.mul(y, this.weight), this.bias);
      return y;
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return onnxInstanceNorm(graph, input, scope, this.channels, this.eps, this.weight, this.bias);
  }
}

/** ONNX `InstanceNormalization`; unit scale / zero shift constants when there is no affine. */
export function onnxInstanceNorm(graph: OnnxGraph, input: string, scope: string, channels: number, eps: number, weight: tf.Tensor | null, bias: tf.Tensor | null): string {
  const scale = weight ? addParameter(graph, scope, 'weight', weight) : floatConstant(graph, scopedName(scope, 'ones'), new Array(channels).fill(1), [channels]);
  const shift = bias ? addParameter(graph, scope, 'bias', bias) : floatConstant(graph, scopedName(scope, 'zeros'), new Array(channels).fill(0), [channels]);
  return graph.node('InstanceNormalization', [input, scale, shift], { epsilon: eps }, { name: scopedName(scope, 'instanceNorm'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
}
