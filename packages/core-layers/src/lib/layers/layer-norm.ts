/**
 * MUNIT's layer norm (SPEC §2, the generator's upsampling convs): per sample,
 * mean and **unbiased** standard deviation over C·H·W, `(x − m)/(std + eps)`
 * (eps added to the std, not the variance), then a per-channel affine
 * (`gamma` init 1, `beta` init 0). Matches `LayerNorm` in
 * `bench/torch_reference.py` and MUNIT's `networks.LayerNorm`. Not
 * `torch.nn.LayerNorm`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { munitLayerNormalize } from '@semadapt/compute';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { addParameter, floatConstant, int64Constant, reduceNode } from '../onnx/onnx-constants';
import { Layer, expectChannels, numberIn, positiveInt } from './layer';
import { channelAffine } from './affine-ops';

/** Options of `LayerNorm`. */
export interface LayerNormOptions {
  /** Channels. Required. */
  channels: number;
  /** Added to the std. Default 1e-5 (SPEC §2). */
  eps?: number;
  /** Per-channel affine. Default true. */
  affine?: boolean;
}

export class LayerNorm extends Module implements Layer {
  readonly channels: number;
  readonly eps: number;
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;

  constructor(options: LayerNormOptions) {
    super();
    this.channels = positiveInt(options.channels, 'channels', 'LayerNorm');
    this.eps = numberIn(options.eps ?? 1e-5, 'eps', 'LayerNorm', 0, 1);
    if (options.affine ?? true) {
      this.gamma = this.registerParameter('gamma', tf.ones([this.channels]));
      this.beta = this.registerParameter('beta', tf.zeros([this.channels]));
    } else {
      this.gamma = null;
      this.beta = null;
    }
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    expectChannels(x, this.channels, 'LayerNorm');
    const n = x.shape[1] * x.shape[2] * x.shape[3];
    if (n < 2) throw new Error(`LayerNorm: needs at least 2 values per sample for an unbiased std, received shape [${x.shape}]`);
    return tf.tidy(() => {
      let y = munitLayerNormalize(x, this.eps);
      if (this.gamma && this.beta) y = channelAffine(y, this.gamma as tf.Tensor as tf.Tensor1D, this.beta as tf.Tensor as tf.Tensor1D);
      return y as tf.Tensor4D;
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const s = (stem: string) => graph.fresh(scopedName(scope, stem));
    const one = (op: string, inputs: string[], stem: string, attrs = {}) => graph.node(op, inputs, attrs, { outputs: [s(stem)] })[0];
    const mean = reduceNode(graph, 'ReduceMean', input, [1, 2, 3], true, s('mean'));
    const d = one('Sub', [input, mean], 'centered');
    const ss = reduceNode(graph, 'ReduceSumSquare', d, [1, 2, 3], true, s('sumSq'));
    // n = C·H·W from the runtime shape, so H and W stay dynamic.
    const shape = one('Shape', [input], 'chw', { start: 1 });
    const n = one('ReduceProd', [one('Cast', [shape], 'chwF', { to: 1 })], 'n', { keepdims: 0 });
    const nm1 = one('Sub', [n, floatConstant(graph, scopedName(scope, 'one'), [1])], 'nMinus1');
    const std = one('Sqrt', [one('Div', [ss, nm1], 'var')], 'std');
    let y = one('Div', [d, one('Add', [std, floatConstant(graph, scopedName(scope, 'eps'), [this.eps])], 'den')], 'normalized');
    if (this.gamma && this.beta) {
      const shape4 = int64Constant(graph, scopedName(scope, 'affineShape'), [1, -1, 1, 1]);
      const g = one('Reshape', [addParameter(graph, scope, 'gamma', this.gamma), shape4], 'gamma4');
      const b = one('Reshape', [addParameter(graph, scope, 'beta', this.beta), shape4], 'beta4');
      y = one('Add', [one('Mul', [y, g], 'scaled'), b], 'out');
    }
    return y;
  }
}
