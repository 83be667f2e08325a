/**
 * 2-D convolution, `torch.nn.Conv2d` semantics on NHWC activations and HWIO
 * filters, with the paddings SPEC §2–3 need (reflect for the translator,
 * zero / explicit for the segmenters, 'same' for convenience).
 *
 * Dilated convolutions run as space-to-batch → conv → batch-to-space (the
 * classic atrous trick, TF's `atrous_conv2d`) because tfjs-core 4.22 has no
 * gradient for a dilated `conv2d`; DeepLabV2 (SPEC §3) trains dilated convs.
 * Dilation and stride both > 1 on the same axis is refused at construction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { Rng } from '../init/rng';
import { Initializer, TORCH_CONV_WEIGHT_INIT, convFans, initRng, initialize } from '../init/initializers';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { addConvFilter, addParameter, int64Constant } from '../onnx/onnx-constants';
import { Layer, Pair, expectChannels, pair, positiveInt } from './layer';
import { Padding, Pads, checkPadding, isZeroPads, resolvePads } from './padding';
import { applyPads } from './padding';
import { conv2dBiasActivation, conv2dWithBias, type ConvActivation } from './conv2d-bias';
import { convGradientKernelsTakeDilations, dilatedSameConv } from '@semadapt/compute';

/** Options of `Conv2d`. */
export interface Conv2dOptions {
  /** Input channels. Required. */
  inChannels: number;
  /** Output channels. Required. */
  outChannels: number;
  /** Kernel size, `k` or `[kh, kw]`. Required. */
  kernelSize: Pair;
  /** Stride. Default 1. */
  stride?: Pair;
  /** Dilation. Default 1. */
  dilation?: Pair;
  /** Padding. Default `{ kind: 'valid' }` (PyTorch's `padding=0`). */
  padding?: Padding;
  /** Add a bias. Default true. */
  bias?: boolean;
  /** Filter initializer. Default PyTorch's: kaiming uniform, a = √5 (U(±1/√fanIn)). */
  weightInit?: Initializer;
  /** Bias initializer. Default PyTorch's: U(±1/√fanIn). */
  biasInit?: Initializer;
  /** Random stream for the initializers. Default a new stream seeded `DEFAULT_INIT_SEED`. */
  rng?: Rng;
}

/**
 * A layer whose weight spectral norm can wrap: it can run and export with a
 * substitute weight tensor of the same layout.
 */
export interface WeightedLayer extends Layer {
  readonly weight: tf.Variable;
  /** Permutation of `weight` that puts output channels first, then the PyTorch order of the rest (OIHW). */
  readonly outFirstPerm: [number, number, number, number];
  forwardWithWeight(x: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D;
  toOnnxWithWeight(graph: OnnxGraph, input: string, scope: string, weight: tf.Tensor4D): string;
}

export class Conv2d extends Module implements WeightedLayer {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly padding: Padding;
  /** HWIO `[kh, kw, in, out]`. */
  readonly weight: tf.Variable;
  /** `[out]`, or null without bias. */
  readonly bias: tf.Variable | null;
  readonly outFirstPerm: [number, number, number, number] = [3, 2, 0, 1];

  constructor(options: Conv2dOptions) {
    super();
    const owner = 'Conv2d';
    this.inChannels = positiveInt(options.inChannels, 'inChannels', owner);
    this.outChannels = positiveInt(options.outChannels, 'outChannels', owner);
    this.kernelSize = pair(options.kernelSize, 'kernelSize', owner);
    this.stride = pair(options.stride ?? 1, 'stride', owner);
    this.dilation = pair(options.dilation ?? 1, 'dilation', owner);
    this.padding = options.padding ?? { kind: 'valid' };
    checkPadding(this.padding, owner);
    for (const a of [0, 1]) {
      if (this.stride[a] > 1 && this.dilation[a] > 1) {
        throw new Error(`Conv2d: stride and dilation both > 1 on one axis are not supported, received stride=${JSON.stringify(options.stride)} dilation=${JSON.stringify(options.dilation)}`);
      }
    }
    const rng = initRng(options.rng);
    const [kh, kw] = this.kernelSize;
    const fans = convFans(kh, kw, this.inChannels, this.outChannels);
    this.weight = this.registerParameter('weight', tf.tidy(() => initialize(options.weightInit ?? TORCH_CONV_WEIGHT_INIT, [kh, kw, this.inChannels, this.outChannels], fans, rng)));
    if (options.bias ?? true) {
      const bound = 1 / Math.sqrt(fans.fanIn);
      this.bias = this.registerParameter('bias', tf.tidy(() => initialize(options.biasInit ?? { kind: 'uniform', low: -bound, high: bound }, [this.outChannels], fans, rng)));
    } else {
      this.bias = null;
    }
  }

  /** Pads for an input of `h × w`. */
  padsFor(h: number, w: number): Pads {
    return resolvePads(this.padding, h, w, this.kernelSize, this.stride, this.dilation);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.forwardWithWeight(x, this.weight as tf.Tensor4D);
  }

  forwardWithWeight(x: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
    expectChannels(x, this.inChannels, 'Conv2d');
    return tf.tidy(() => {
      const pads = this.padsFor(x.shape[1], x.shape[2]);
      if (this.dilation[0] > 1 || this.dilation[1] > 1) {
        const y = atrousConv2d(applyPads(x, pads), weight, this.dilation);
        return this.bias ? tf.add(y, this.bias) : y;
      }
      const conv = (input: tf.Tensor4D, pad: 'valid' | tf.backend_util.ExplicitPadding): tf.Tensor4D =>
        this.bias ? conv2dWithBias(input, weight, this.bias as tf.Tensor1D, this.stride, pad) : tf.conv2d(input, weight, this.stride, pad);
      if (pads.fill === 'reflect' || isZeroPads(pads)) return conv(applyPads(x, pads), 'valid');
      return conv(x, [[0, 0], [pads.top, pads.bottom], [pads.left, pads.right], [0, 0]]);
    });
  }

  /** relu(forward(x)) as one op that keeps only x, the filter and y for the backward pass (`forwardAffine`). */
  forwardRelu(x: tf.Tensor4D): tf.Tensor4D {
    return this.forwardAffine(x, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | null, 'relu');
  }

  /**
   * act(conv(x, weight) + bias) with this layer's stride, dilation and
   * padding, for a caller that supplies its own filter and bias (a BatchNorm
   * folded into them, see `convBatchNorm`): one op that keeps only x, the
   * filter and, with ReLU, y for the backward pass (`conv2dBiasActivation`).
   * Where the backend has no dilated gradient kernels, a dilated 'same'
   * convolution runs as `dilatedSameConv` (then add, ReLU).
   */
  forwardAffine(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D | null, activation: ConvActivation = 'linear'): tf.Tensor4D {
    expectChannels(x, this.inChannels, 'Conv2d');
    return tf.tidy(() => {
      const pads = this.padsFor(x.shape[1], x.shape[2]);
      const dilated = this.dilation[0] > 1 || this.dilation[1] > 1;
      if (dilated && !convGradientKernelsTakeDilations()) {
        const [kh, kw] = this.kernelSize;
        const [d, dw] = this.dilation;
        const half = (d * (kh - 1)) / 2;
        const same = kh === kw && kh % 2 === 1 && d === dw && pads.fill === 'zero' && [pads.top, pads.bottom, pads.left, pads.right].every((p) => p === half);
        const z = same ? dilatedSameConv(x, weight, d, bias) : atrousConv2d(applyPads(x, pads), weight, this.dilation);
        const y = bias && !same ? tf.add(z, bias) : z;
        return (activation === 'relu' ? tf.relu(y) : y) as tf.Tensor4D;
      }
      const options = { strides: this.stride, dilations: this.dilation, activation };
      if (pads.fill === 'reflect' || isZeroPads(pads)) return conv2dBiasActivation(applyPads(x, pads), weight, bias, { ...options, pad: 'valid' });
      return conv2dBiasActivation(x, weight, bias, { ...options, pad: [[0, 0], [pads.top, pads.bottom], [pads.left, pads.right], [0, 0]] });
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return this.toOnnxWithWeight(graph, input, scope, this.weight as tf.Tensor4D);
  }

  toOnnxWithWeight(graph: OnnxGraph, input: string, scope: string, weight: tf.Tensor4D): string {
    const w = addConvFilter(graph, scope, 'weight', weight);
    const inputs = [input, w];
    if (this.bias) inputs.push(addParameter(graph, scope, 'bias', this.bias));
    const attrs: Record<string, number[] | string> = {
      kernel_shape: [...this.kernelSize],
      strides: [...this.stride],
      dilations: [...this.dilation],
    };
    const p = this.padding;
    if (p.kind === 'same' && (this.stride[0] > 1 || this.stride[1] > 1)) {
      // Input-size dependent pads: let the runtime compute them (TF 'SAME' = SAME_UPPER).
      attrs['auto_pad'] = 'SAME_UPPER';
    } else {
      const pads = resolvePads(p, 0, 0, this.kernelSize, this.stride, this.dilation);
      if (pads.fill === 'reflect' && !isZeroPads(pads)) {
        inputs[0] = onnxReflectPad(graph, input, pads, scope);
        attrs['pads'] = [0, 0, 0, 0];
      } else {
        attrs['pads'] = [pads.top, pads.left, pads.bottom, pads.right];
      }
    }
    return graph.node('Conv', inputs, attrs, { name: scopedName(scope, 'conv'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
  }
}

/** ONNX `Pad` (mode reflect) of an NCHW tensor. */
export function onnxReflectPad(graph: OnnxGraph, input: string, pads: { top: number; bottom: number; left: number; right: number }, scope: string): string {
  const p = int64Constant(graph, scopedName(scope, 'pads'), [0, 0, pads.top, pads.left, 0, 0, pads.bottom, pads.right]);
  return graph.node('Pad', [input, p], { mode: 'reflect' }, { outputs: [graph.fresh(scopedName(scope, 'padded'))] })[0];
}

/**
 * A 'valid' dilated convolution (stride 1) as space-to-batch → conv → batch-to-space.
 * Output extent: in − d·(k − 1) per axis, identical to a dilated conv.
 */
export function atrousConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const [kh, kw] = filter.shape;
    const [dh, dw] = dilation;
    if (h - dh * (kh - 1) < 1 || w - dw * (kw - 1) < 1) {
      throw new Error(`atrousConv2d: input [${x.shape}] too small for kernel ${kh}x${kw} at dilation ${dh}x${dw}`);
    }
    const eh = (dh - (h % dh)) % dh;
    const ew = (dw - (w % dw)) % dw;
    const s2b = tf.spaceToBatchND(x, [dh, dw], [[0, eh], [0, ew]]) as tf.Tensor4D;
    const y = tf.conv2d(s2b, filter, 1, 'valid');
    return tf.batchToSpaceND(y, [dh, dw], [[0, eh], [0, ew]]) as tf.Tensor4D;
  });
}
