/**
 * Transposed 2-D convolution, `torch.nn.ConvTranspose2d` semantics (groups 1,
 * dilation 1) on NHWC activations and HWOI filters `[kh, kw, out, in]` (tfjs's
 * layout; PyTorch/ONNX's is IOHW, see `layout.ts`). Output extent:
 * (in − 1)·stride − 2·padding + kernel + outputPadding. Used by FCN-8s's
 * learned upsampling (SPEC §3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { Rng } from '../init/rng';
import { Initializer, TORCH_CONV_WEIGHT_INIT, initRng, initialize } from '../init/initializers';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { addConvTransposeFilter, addParameter } from '../onnx/onnx-constants';
import { Pair, expectChannels, pair, positiveInt } from './layer';
import { WeightedLayer } from './conv2d';

/** Options of `ConvTranspose2d`. */
export interface ConvTranspose2dOptions {
  /** Input channels. Required. */
  inChannels: number;
  /** Output channels. Required. */
  outChannels: number;
  /** Kernel size. Required. */
  kernelSize: Pair;
  /** Stride. Default 1. */
  stride?: Pair;
  /** PyTorch `padding`: rows/cols cropped from each side of the full output. Default 0. */
  padding?: Pair;
  /** PyTorch `output_padding`: extra rows/cols at the bottom/right, each < stride. Default 0. */
  outputPadding?: Pair;
  /** Add a bias. Default true. */
  bias?: boolean;
  /** Filter initializer. Default PyTorch's kaiming uniform a = √5 with PyTorch's fans (fanIn = out·kh·kw). */
  weightInit?: Initializer;
  /** Bias initializer. Default U(±1/√fanIn). */
  biasInit?: Initializer;
  /** Random stream. Default a new stream seeded `DEFAULT_INIT_SEED`. */
  rng?: Rng;
}

export class ConvTranspose2d extends Module implements WeightedLayer {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  /** HWOI `[kh, kw, out, in]`. */
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly outFirstPerm: [number, number, number, number] = [2, 3, 0, 1];

  constructor(options: ConvTranspose2dOptions) {
    super();
    const owner = 'ConvTranspose2d';
    this.inChannels = positiveInt(options.inChannels, 'inChannels', owner);
    this.outChannels = positiveInt(options.outChannels, 'outChannels', owner);
    this.kernelSize = pair(options.kernelSize, 'kernelSize', owner);
    this.stride = pair(options.stride ?? 1, 'stride', owner);
    this.padding = pair(options.padding ?? 0, 'padding', owner, 0);
    this.outputPadding = pair(options.outputPadding ?? 0, 'outputPadding', owner, 0);
    for (const a of [0, 1]) {
      if (this.outputPadding[a] >= this.stride[a]) {
        throw new Error(`ConvTranspose2d: outputPadding must be smaller than stride, received outputPadding=${JSON.stringify(options.outputPadding)} stride=${JSON.stringify(options.stride)}`);
      }
    }
    const rng = initRng(options.rng);
    const [kh, kw] = this.kernelSize;
    // PyTorch's fan_in for a (in, out, kh, kw) weight is size(1)·kh·kw = out·kh·kw.
    const fans = { fanIn: this.outChannels * kh * kw, fanOut: this.inChannels * kh * kw };
    this.weight = this.registerParameter('weight', tf.tidy(() => initialize(options.weightInit ?? TORCH_CONV_WEIGHT_INIT, [kh, kw, this.outChannels, this.inChannels], fans, rng)));
    if (options.bias ?? true) {
      const bound = 1 / Math.sqrt(fans.fanIn);
      this.bias = this.registerParameter('bias', tf.tidy(() => initialize(options.biasInit ?? { kind: 'uniform', low: -bound, high: bound }, [this.outChannels], fans, rng)));
    } else {
      this.bias = null;
    }
  }

  /** Output extent for an input extent, per axis. */
  outputSize(h: number, w: number): [number, number] {
    const o = (n: number, a: 0 | 1) => (n - 1) * this.stride[a] - 2 * this.padding[a] + this.kernelSize[a] + this.outputPadding[a];
    return [o(h, 0), o(w, 1)];
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.forwardWithWeight(x, this.weight as tf.Tensor4D);
  }

  forwardWithWeight(x: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
    expectChannels(x, this.inChannels, 'ConvTranspose2d');
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const [oh, ow] = this.outputSize(h, w);
      if (oh < 1 || ow < 1) throw new Error(`ConvTranspose2d: input [${x.shape}] gives an empty output ${oh}x${ow}`);
      const fullH = (h - 1) * this.stride[0] + this.kernelSize[0] + this.outputPadding[0];
      const fullW = (w - 1) * this.stride[1] + this.kernelSize[1] + this.outputPadding[1];
      let y = tf.conv2dTranspose(x, weight, [n, fullH, fullW, this.outChannels], this.stride, 'valid');
      if (this.padding[0] > 0 || this.padding[1] > 0) y = tf.slice(y, [0, this.padding[0], this.padding[1], 0], [n, oh, ow, this.outChannels]);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return this.toOnnxWithWeight(graph, input, scope, this.weight as tf.Tensor4D);
  }

  toOnnxWithWeight(graph: OnnxGraph, input: string, scope: string, weight: tf.Tensor4D): string {
    const inputs = [input, addConvTransposeFilter(graph, scope, 'weight', weight)];
    if (this.bias) inputs.push(addParameter(graph, scope, 'bias', this.bias));
    const [ph, pw] = this.padding;
    return graph.node(
      'ConvTranspose',
      inputs,
      { kernel_shape: [...this.kernelSize], strides: [...this.stride], pads: [ph, pw, ph, pw], output_padding: [...this.outputPadding] },
      { name: scopedName(scope, 'convTranspose'), outputs: [graph.fresh(scopedName(scope, 'out'))] },
    )[0];
  }
}
