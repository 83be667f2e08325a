/**
 * DeepLabV2 with a ResNet backbone, SPEC §3 (Chen et al. 2017, as used by
 * AdaptSegNet and BDL — `model/deeplab.py`): output stride 8 (layer3 dilation
 * 2, layer4 dilation 4, strides only in the stem and layer2), frozen
 * BatchNorm, and the ASPP classifier = the *sum* of four 3×3 convs
 * (2048 → classes) with dilations 6/12/18/24, trained at 10× the learning
 * rate. `forward` returns logits at 1/8 of the input; the trainer upsamples
 * them bilinearly with aligned corners to the label size.
 *
 * Input: RGB in [0, 255], NHWC; normalised inside (`segmenter-input.ts`).
 * Parameter names are BDL's (`conv1`, `bn1`, `layer3.5.conv2.weight`,
 * `layer1.0.downsample.0.weight`) except the classifier, `aspp.0..3`
 * (BDL: `layer5.conv2d_list.0..3`), so ImageNet/BDL weights map by name.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2d,
  MaxPool2d,
  Module,
  OnnxGraph,
  Rng,
  Sequential,
  initRng,
  pooledSize,
  scaledChannels,
  convBatchNorm,
  scopedName,
  type BatchNorm2d,
  type Initializer,
  type Layer,
} from '@semadapt/core-layers';
import { Bottleneck, segmenterBatchNorm } from './bottleneck';
import { dilatedSameConv } from '@semadapt/compute';
import type { Segmenter } from './segmenter';
import { resolveDeepLabV2Config, type DeepLabV2ConfigInput } from '../config/segmenter-config';
import { normalizeSegmenterInput, resolveInputNormalization, segmenterInputToOnnx, type InputNormalization } from './segmenter-input';

/** Depth of the ResNet backbone: bottleneck counts of layer1..layer4. */
export type ResNetDepth =
  | { kind: 'resnet101' }
  | { kind: 'resnet50' }
  | { kind: 'custom'; blocks: [number, number, number, number] };

/**
 * Options of `DeepLabV2`: the fields of `DeepLabV2ConfigSchema`
 * (config/segmenter-config.ts, each documented there with its only default),
 * the input normalisation, the initializers' stream, and `width`, the former
 * name of `widthMultiplier`.
 */
export type DeepLabV2Options = DeepLabV2ConfigInput & {
  /** How the RGB [0, 255] input is normalised, in `forward` and in the ONNX graph. Default `{ kind: 'caffe' }` (BGR minus the Caffe mean, SPEC §3). */
  inputNormalization?: InputNormalization;
  /** Random stream of the initializers. Default a new stream seeded `DEFAULT_INIT_SEED` (core-layers). */
  rng?: Rng;
  /** @deprecated The former name of `widthMultiplier` (same meaning). */
  width?: number;
};

const DEPTH_BLOCKS: Record<'resnet50' | 'resnet101', [number, number, number, number]> = {
  resnet50: [3, 4, 6, 3],
  resnet101: [3, 4, 23, 3],
};

/** The bottleneck counts of a depth, validated. */
export function resnetBlocks(depth: ResNetDepth): [number, number, number, number] {
  switch (depth.kind) {
    case 'resnet50':
    case 'resnet101':
      return DEPTH_BLOCKS[depth.kind];
    case 'custom': {
      const b = depth.blocks;
      if (!Array.isArray(b) || b.length !== 4 || !b.every((n) => Number.isInteger(n) && n >= 1)) {
        throw new Error(`DeepLabV2: custom depth needs 4 block counts ≥ 1, received ${JSON.stringify(b)}`);
      }
      return [b[0], b[1], b[2], b[3]];
    }
    default: {
      const never: never = depth;
      throw new Error(`DeepLabV2: unknown depth ${JSON.stringify(never)}`);
    }
  }
}

/** The ResNet stages at output stride 8 and 4: planes, stride of the first block, dilation. */
const STAGES: Record<8 | 4, ReadonlyArray<{ planes: number; stride: number; dilation: number }>> = {
  8: [
    { planes: 64, stride: 1, dilation: 1 },
    { planes: 128, stride: 2, dilation: 1 },
    { planes: 256, stride: 1, dilation: 2 },
    { planes: 512, stride: 1, dilation: 4 },
  ],
  4: [
    { planes: 64, stride: 1, dilation: 1 },
    { planes: 128, stride: 1, dilation: 2 },
    { planes: 256, stride: 1, dilation: 4 },
    { planes: 512, stride: 1, dilation: 8 },
  ],
};

/** The ASPP classifier: Σ_{k < summed} conv3×3_{dilation d_k}(x), branches named `0..3`. */
export class AsppSum extends Module implements Layer {
  readonly branches: Conv2d[];
  /** The branches that are summed (the first `summed`; default all). */
  readonly summed: number;

  constructor(inChannels: number, numClasses: number, dilations: number[], init: Initializer, rng: Rng, summed = dilations.length) {
    super();
    if (!Number.isInteger(summed) || summed < 1 || summed > dilations.length) {
      throw new Error(`DeepLabV2: asppBranches must be an integer in [1, ${dilations.length}] (the ASPP has ${dilations.length} branches), received ${JSON.stringify(summed)}`);
    }
    this.summed = summed;
    this.branches = dilations.map((d, i) =>
      this.registerModule(
        String(i),
        new Conv2d({ inChannels, outChannels: numClasses, kernelSize: 3, dilation: d, padding: { kind: 'zero', size: d }, weightInit: init, rng }),
      ),
    );
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    // Each branch by @semadapt/compute's dilatedSameConv (tap sums, or one dilated conv where the backend has the kernels); the Conv2d modules hold the parameters and export.
    const used = this.branches.slice(0, this.summed);
    return tf.tidy(() => (used.length === 1 ? dilatedSameConv(x, used[0].weight as tf.Tensor4D, used[0].dilation[0], used[0].bias) : tf.addN(used.map((b) => dilatedSameConv(x, b.weight as tf.Tensor4D, b.dilation[0], b.bias)))) as tf.Tensor4D);
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const outs = this.branches.slice(0, this.summed).map((b, i) => b.toOnnx(graph, input, scopedName(scope, String(i))));
    return graph.node('Sum', outs, {}, { name: scopedName(scope, 'sum'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
  }
}

export class DeepLabV2 extends Module implements Segmenter {
  readonly kind = 'deeplabv2' as const;
  readonly numClasses: number;
  readonly inputNormalization: InputNormalization;
  readonly blocks: [number, number, number, number];
  readonly widthMultiplier: number;
  readonly outputStride: 8 | 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly aspp: AsppSum;

  constructor(options: DeepLabV2Options = {}) {
    super();
    const { inputNormalization, rng: givenRng, ...config } = options;
    const o = resolveDeepLabV2Config(config);
    const { numClasses, widthMultiplier: width, asppDilations: dilations, outputStride } = o;
    this.outputStride = outputStride;
    this.numClasses = numClasses;
    this.widthMultiplier = width;
    this.inputNormalization = resolveInputNormalization('DeepLabV2', inputNormalization);
    this.blocks = resnetBlocks(o.depth);
    const rng = initRng(givenRng);
    const init: Initializer = o.backboneInit;
    const stem = scaledChannels(64, width);

    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d({ inChannels: 3, outChannels: stem, kernelSize: 7, stride: 2, padding: { kind: 'zero', size: 3 }, bias: false, weightInit: init, rng }),
    );
    this.bn1 = this.registerModule('bn1', segmenterBatchNorm(stem, o.batchNorm));
    this.maxpool = this.registerModule('maxpool', new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }));
    let cin = stem;
    const layers = STAGES[outputStride].map(({ planes, stride, dilation }, li) => {
      const p = scaledChannels(planes, width);
      const blocks: Bottleneck[] = [];
      for (let j = 0; j < this.blocks[li]; j++) {
        // BDL's _make_layer: the projection exists on the first block only, and always for dilated stages.
        const first = j === 0;
        const downsample = first && (stride !== 1 || cin !== p * 4 || dilation > 1);
        blocks.push(new Bottleneck({ inChannels: cin, planes: p, stride: first ? stride : 1, dilation, downsample, weightInit: init, rng, batchNorm: o.batchNorm }));
        cin = p * 4;
      }
      return this.registerModule(`layer${li + 1}`, new Sequential(blocks));
    });
    [this.layer1, this.layer2, this.layer3, this.layer4] = layers;
    this.aspp = this.registerModule('aspp', new AsppSum(cin, numClasses, dilations, o.classifierInit, rng, o.asppBranches ?? dilations.length));
    // SPEC §3: classifier ×10. The multiplier is optimizer metadata on each registered parameter.
    for (const [, p] of this.aspp.namedParameterEntries()) p.lrMultiplier = o.classifierLrMultiplier;
  }

  /** RGB `[N, H, W, 3]` in [0, 255] → this network's input (`inputNormalization`); `forward` starts with it. */
  normalizeInput(rgb: tf.Tensor4D): tf.Tensor4D {
    return normalizeSegmenterInput(rgb, this.inputNormalization);
  }

  /** Logits `[N, ⌈…⌉, ⌈…⌉, classes]` at output stride 8 or 4 (see `outputSize`), of RGB in [0, 255]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`DeepLabV2: expected an NHWC image [N, H, W, 3], received [${x.shape}]`);
    return tf.tidy(() => {
      let h = this.normalizeInput(x);
      h = this.maxpool.forward(convBatchNorm(this.conv1, this.bn1, h, 'relu'));
      h = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(h))));
      return this.aspp.forward(h);
    });
  }

  /** Logit extent for an input `h × w`: conv1 s2 p3, maxpool 3/2/1 ceil, layer2's stride-2 1×1 conv (output stride 8). */
  outputSize(h: number, w: number): [number, number] {
    const f = (n: number) => {
      const c1 = Math.floor((n + 6 - 7) / 2) + 1;
      const mp = pooledSize(c1, 3, 2, 1, true);
      return this.outputStride === 8 ? Math.floor((mp - 1) / 2) + 1 : mp;
    };
    return [f(h), f(w)];
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    let h = segmenterInputToOnnx(graph, input, scopedName(scope, 'input'), this.inputNormalization);
    h = this.conv1.toOnnx(graph, h, scopedName(scope, 'conv1'));
    h = this.bn1.toOnnx(graph, h, scopedName(scope, 'bn1'));
    h = graph.node('Relu', [h], {}, { outputs: [graph.fresh(scopedName(scope, 'relu'))] })[0];
    h = this.maxpool.toOnnx(graph, h, scopedName(scope, 'maxpool'));
    for (const [name, layer] of [['layer1', this.layer1], ['layer2', this.layer2], ['layer3', this.layer3], ['layer4', this.layer4]] as const) {
      h = layer.toOnnx(graph, h, scopedName(scope, name));
    }
    return this.aspp.toOnnx(graph, h, scopedName(scope, 'aspp'));
  }
}
