/**
 * The ResNet bottleneck of DeepLabV2 (SPEC §3; BDL / AdaptSegNet
 * `model/deeplab.py`, i.e. the Caffe ResNet of DeepLab): the stride sits on
 * the first 1×1 conv (not on the 3×3 as in torchvision's ResNet v1.5), the 3×3
 * conv is dilated with padding = dilation, BatchNorm is frozen (running
 * statistics, weight/bias not trained), and the projection shortcut is named
 * `downsample.0` (conv) / `downsample.1` (BN) as in PyTorch so weights map by
 * name.
 *
 *     y = ReLU( bn3(conv3( ReLU(bn2(conv2( ReLU(bn1(conv1(x))) ))) )) + shortcut(x) )
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BatchNorm2d,
  Conv2d,
  addRelu,
  convBatchNorm,
  Module,
  OnnxGraph,
  Rng,
  Sequential,
  scopedName,
  type Initializer,
  type Layer,
} from '@semadapt/core-layers';

/** Options of `Bottleneck`. */
export interface BottleneckOptions {
  /** Input channels. Required. */
  inChannels: number;
  /** Bottleneck width p; the block outputs 4p channels. Required. */
  planes: number;
  /** Stride of the first 1×1 conv (and of the projection). Default 1. */
  stride?: number;
  /** Dilation (= padding) of the 3×3 conv. Default 1. */
  dilation?: number;
  /** Add the 1×1 projection shortcut `downsample`. Default: when stride ≠ 1 or channels change. */
  downsample?: boolean;
  /** Conv weight initializer. Required (the network chooses). */
  weightInit: Initializer;
  /** Random stream for the initializers. Required. */
  rng: Rng;
  /** How the block's BatchNorms behave (see `SegmenterBatchNorm`). Default 'frozen'. */
  batchNorm?: SegmenterBatchNorm;
}

/**
 * 'frozen' (SPEC §3, BDL): running statistics always, no trainable affine —
 * right for ImageNet-initialized backbones at batch 1. 'batch': batch
 * statistics in training mode, running ones in eval, trainable affine
 * (PyTorch's default) — for backbones trained from scratch, like the demo's.
 */
export type SegmenterBatchNorm = 'frozen' | 'batch';

/** A frozen BatchNorm (SPEC §3): running statistics always, no trainable affine. */
export function frozenBatchNorm(channels: number): BatchNorm2d {
  return new BatchNorm2d({ channels }).freeze();
}

/** The BatchNorm of `mode` (see `SegmenterBatchNorm`). */
export function segmenterBatchNorm(channels: number, mode: SegmenterBatchNorm = 'frozen'): BatchNorm2d {
  if (mode === 'frozen') return frozenBatchNorm(channels);
  if (mode === 'batch') return new BatchNorm2d({ channels, batchStatistics: true });
  throw new Error(`batchNorm must be 'frozen' or 'batch', received ${JSON.stringify(mode)}`);
}

export class Bottleneck extends Module implements Layer {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;
  /** The conv and BatchNorm of `downsample`. */
  private readonly projection: [Conv2d, BatchNorm2d] | null;
  readonly outChannels: number;
  readonly dilation: number;

  constructor(options: BottleneckOptions) {
    super();
    const { inChannels, planes, weightInit, rng } = options;
    const stride = options.stride ?? 1;
    const dilation = options.dilation ?? 1;
    const out = planes * Bottleneck.expansion;
    this.outChannels = out;
    this.dilation = dilation;
    const conv = (i: number, o: number, k: number, extra: { stride?: number; dilation?: number; pad?: number } = {}) =>
      new Conv2d({
        inChannels: i,
        outChannels: o,
        kernelSize: k,
        stride: extra.stride ?? 1,
        dilation: extra.dilation ?? 1,
        padding: extra.pad ? { kind: 'zero', size: extra.pad } : { kind: 'valid' },
        bias: false,
        weightInit,
        rng,
      });
    this.conv1 = this.registerModule('conv1', conv(inChannels, planes, 1, { stride }));
    this.bn1 = this.registerModule('bn1', segmenterBatchNorm(planes, options.batchNorm));
    this.conv2 = this.registerModule('conv2', conv(planes, planes, 3, { dilation, pad: dilation }));
    this.bn2 = this.registerModule('bn2', segmenterBatchNorm(planes, options.batchNorm));
    this.conv3 = this.registerModule('conv3', conv(planes, out, 1));
    this.bn3 = this.registerModule('bn3', segmenterBatchNorm(out, options.batchNorm));
    const project = options.downsample ?? (stride !== 1 || inChannels !== out);
    this.projection = project ? [conv(inChannels, out, 1, { stride }), segmenterBatchNorm(out, options.batchNorm)] : null;
    this.downsample = this.projection ? this.registerModule('downsample', new Sequential(this.projection)) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    // Each conv with its BatchNorm (and ReLU) is one op (convBatchNorm: the frozen BN folded into the
    // filter and a bias), and the residual join keeps only its output: the backward pass holds x, the two
    // ReLU outputs and y per block, not every conv, BN and sum output (same function, same gradients).
    return tf.tidy(() => {
      let h = convBatchNorm(this.conv1, this.bn1, x, 'relu');
      h = convBatchNorm(this.conv2, this.bn2, h, 'relu');
      h = convBatchNorm(this.conv3, this.bn3, h);
      const shortcut = this.projection ? convBatchNorm(this.projection[0], this.projection[1], x) : x;
      return addRelu(h, shortcut);
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const relu = (t: string, stem: string) => graph.node('Relu', [t], {}, { outputs: [graph.fresh(scopedName(scope, stem))] })[0];
    let h = relu(this.bn1.toOnnx(graph, this.conv1.toOnnx(graph, input, scopedName(scope, 'conv1')), scopedName(scope, 'bn1')), 'relu1');
    h = relu(this.bn2.toOnnx(graph, this.conv2.toOnnx(graph, h, scopedName(scope, 'conv2')), scopedName(scope, 'bn2')), 'relu2');
    h = this.bn3.toOnnx(graph, this.conv3.toOnnx(graph, h, scopedName(scope, 'conv3')), scopedName(scope, 'bn3'));
    const shortcut = this.downsample ? this.downsample.toOnnx(graph, input, scopedName(scope, 'downsample')) : input;
    const sum = graph.node('Add', [h, shortcut], {}, { outputs: [graph.fresh(scopedName(scope, 'sum'))] })[0];
    return relu(sum, 'out');
  }
}
