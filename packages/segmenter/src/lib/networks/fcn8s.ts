/**
 * FCN-8s with a VGG16 backbone, the "at-once" variant (Long, Shelhamer &
 * Darrell; `voc-fcn8s-atonce` in shelhamer/fcn.berkeleyvision.org, and
 * wkentaro/pytorch-fcn `FCN8sAtOnce` = BDL's `VGG16_FCN8s`), SPEC §3:
 *
 * - conv1_1 zero-pads by 100 so any input survives the five ceil-mode 2×2
 *   pools and the 7×7 fc6;
 * - fc6 = conv7×7 512→4096 (valid), fc7 = conv1×1 4096→4096, each ReLU +
 *   dropout 0.5 — channelwise (`Dropout2d`) as in BDL's `model/fcn8s.py`,
 *   or Caffe's elementwise one with `dropout2d: false`; identity in eval / ONNX;
 * - score_fr, score_pool4, score_pool3: 1×1 convs to the classes, zero-init;
 *   pool4 is scaled by 0.01 and pool3 by 0.0001 before scoring (the at-once
 *   trick that replaces staged training);
 * - deconvolutions upscore2 (4/2), upscore_pool4 (4/2), upscore8 (16/8), no
 *   bias, bilinear; fixed (frozen: no gradient, never updated) as in BDL's
 *   `get_parameters`, or learned from the bilinear init with
 *   `learnUpsampling: true` (the original FCN); crops at offsets 5 (pool4),
 *   9 (pool3), 31 (final, back to the input size);
 * - every conv bias at twice the base learning rate (BDL's second Adam
 *   parameter group; `biasLrMultiplier`).
 *
 * Input: RGB in [0, 255], NHWC; normalised inside (`segmenter-input.ts`).
 * Logits at the input resolution.
 * Parameter names are the FCN/BDL ones (`conv1_1`, `fc6`, `score_pool4`,
 * `upscore8`), so converted VGG16/BDL weights map by name.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2d,
  ConvTranspose2d,
  Dropout,
  MaxPool2d,
  Module,
  OnnxGraph,
  Rng,
  initRng,
  floatConstant,
  int64Constant,
  scaledChannels,
  scopedName,
  type Initializer,
} from '@semadapt/core-layers';
import type { Segmenter } from './segmenter';
import { resolveFCN8sConfig, type FCN8sConfigInput } from '../config/segmenter-config';
import { normalizeSegmenterInput, resolveInputNormalization, segmenterInputToOnnx, type InputNormalization } from './segmenter-input';

/**
 * Options of `FCN8s`: the fields of `FCN8sConfigSchema`
 * (config/segmenter-config.ts, each documented there with its only default),
 * the input normalisation, the stream of initializers and dropout masks, and
 * `width`, the former name of `widthMultiplier`.
 */
export type FCN8sOptions = FCN8sConfigInput & {
  /** How the RGB [0, 255] input is normalised, in `forward` and in the ONNX graph. Default `{ kind: 'caffe' }` (BGR minus the Caffe mean, SPEC §3). */
  inputNormalization?: InputNormalization;
  /** Random stream of initializers and dropout masks. Default a new stream seeded `DEFAULT_INIT_SEED` (core-layers). */
  rng?: Rng;
  /** @deprecated The former name of `widthMultiplier` (same meaning). */
  width?: number;
};

/** VGG16 stages: [stage, convs, channels]. */
const VGG16: ReadonlyArray<readonly [number, number, number]> = [
  [1, 2, 64],
  [2, 2, 128],
  [3, 3, 256],
  [4, 3, 512],
  [5, 3, 512],
];

/** Crop offsets of the at-once FCN-8s (SPEC §3). */
export const FCN8S_CROPS = { pool4: 5, pool3: 9, final: 31 } as const;

/**
 * The bilinear upsampling kernel of FCN (`get_upsampling_weight`), as a
 * diagonal HWOI filter `[k, k, c, c]`: class i maps only to class i.
 */
export function bilinearUpsamplingFilter(channels: number, kernel: number): tf.Tensor4D {
  const factor = Math.floor((kernel + 1) / 2);
  const center = kernel % 2 === 1 ? factor - 1 : factor - 0.5;
  const data = new Float32Array(kernel * kernel * channels * channels);
  for (let y = 0; y < kernel; y++) {
    for (let x = 0; x < kernel; x++) {
      const v = (1 - Math.abs(y - center) / factor) * (1 - Math.abs(x - center) / factor);
      for (let c = 0; c < channels; c++) data[((y * kernel + x) * channels + c) * channels + c] = v;
    }
  }
  return tf.tensor4d(data, [kernel, kernel, channels, channels]);
}

export class FCN8s extends Module implements Segmenter {
  readonly kind = 'fcn8s' as const;
  readonly numClasses: number;
  readonly inputNormalization: InputNormalization;
  readonly widthMultiplier: number;
  /** conv1_1 … conv5_3 in forward order, grouped by stage. */
  readonly stages: Conv2d[][];
  readonly pool: MaxPool2d;
  readonly fc6: Conv2d;
  readonly drop6: Dropout;
  readonly fc7: Conv2d;
  readonly drop7: Dropout;
  readonly score_fr: Conv2d;
  readonly score_pool4: Conv2d;
  readonly score_pool3: Conv2d;
  readonly upscore2: ConvTranspose2d;
  readonly upscore_pool4: ConvTranspose2d;
  readonly upscore8: ConvTranspose2d;

  constructor(options: FCN8sOptions = {}) {
    super();
    const { inputNormalization, rng: givenRng, ...config } = options;
    const settings = resolveFCN8sConfig(config);
    const { numClasses, widthMultiplier: width, dropout: p, biasLrMultiplier: biasLr, dropout2d: channelwise } = settings;
    this.numClasses = numClasses;
    this.widthMultiplier = width;
    this.inputNormalization = resolveInputNormalization('FCN8s', inputNormalization);
    const rng = initRng(givenRng);
    const init: Initializer = settings.backboneInit;
    const zero: Initializer = { kind: 'constant', value: 0 };
    const conv = (name: string, i: number, o: number, k: number, pad: number, weightInit: Initializer, biasInit?: Initializer) =>
      this.registerModule(
        name,
        new Conv2d({ inChannels: i, outChannels: o, kernelSize: k, padding: pad > 0 ? { kind: 'zero', size: pad } : { kind: 'valid' }, weightInit, biasInit: biasInit ?? zero, rng }),
      );

    let cin = 3;
    this.stages = VGG16.map(([stage, n, c]) => {
      const out = scaledChannels(c, width);
      const convs: Conv2d[] = [];
      for (let i = 0; i < n; i++) {
        convs.push(conv(`conv${stage}_${i + 1}`, cin, out, 3, stage === 1 && i === 0 ? 100 : 1, init));
        cin = out;
      }
      return convs;
    });
    this.pool = this.registerModule('pool', new MaxPool2d({ kernelSize: 2, stride: 2, ceilMode: true }));
    const f = scaledChannels(4096, width);
    this.fc6 = conv('fc6', cin, f, 7, 0, init);
    this.drop6 = this.registerModule('drop6', new Dropout({ p, channelwise, rng: new Rng(Math.floor(rng.uniform() * 2 ** 31)) }));
    this.fc7 = conv('fc7', f, f, 1, 0, init);
    this.drop7 = this.registerModule('drop7', new Dropout({ p, channelwise, rng: new Rng(Math.floor(rng.uniform() * 2 ** 31)) }));
    this.score_fr = conv('score_fr', f, numClasses, 1, 0, zero);
    this.score_pool4 = conv('score_pool4', scaledChannels(512, width), numClasses, 1, 0, zero);
    this.score_pool3 = conv('score_pool3', scaledChannels(256, width), numClasses, 1, 0, zero);
    const deconv = (name: string, k: number, s: number) => {
      const layer = this.registerModule(name, new ConvTranspose2d({ inChannels: numClasses, outChannels: numClasses, kernelSize: k, stride: s, bias: false, weightInit: zero, rng }));
      const w = bilinearUpsamplingFilter(numClasses, k);
      layer.weight.assign(w);
      w.dispose();
      if (!settings.learnUpsampling) layer.freeze();
      return layer;
    };
    this.upscore2 = deconv('upscore2', 4, 2);
    this.upscore_pool4 = deconv('upscore_pool4', 4, 2);
    this.upscore8 = deconv('upscore8', 16, 8);
    for (const [name, p] of this.namedParameterEntries()) if (name.endsWith('.bias')) p.lrMultiplier = biasLr;
  }

  outputSize(h: number, w: number): [number, number] {
    return [h, w];
  }

  /** RGB `[N, H, W, 3]` in [0, 255] → this network's input (`inputNormalization`); `forward` starts with it. */
  normalizeInput(rgb: tf.Tensor4D): tf.Tensor4D {
    return normalizeSegmenterInput(rgb, this.inputNormalization);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`FCN8s: expected an NHWC image [N, H, W, 3], received [${x.shape}]`);
    return tf.tidy(() => {
      const [n, height, width] = x.shape;
      let h = this.normalizeInput(x);
      const pooled: tf.Tensor4D[] = [];
      for (const convs of this.stages) {
        for (const c of convs) h = c.forwardRelu(h);
        h = this.pool.forward(h);
        pooled.push(h);
      }
      const [pool3, pool4] = [pooled[2], pooled[3]];
      h = this.drop6.forward(this.fc6.forwardRelu(h));
      h = this.drop7.forward(this.fc7.forwardRelu(h));
      const upscore2 = this.upscore2.forward(this.score_fr.forward(h));
      const crop = (t: tf.Tensor4D, off: number, hh: number, ww: number) => tf.slice(t, [0, off, off, 0], [n, hh, ww, -1]);
      const scorePool4 = crop(this.score_pool4.forward(tf.mul(pool4, 0.01)), FCN8S_CROPS.pool4, upscore2.shape[1], upscore2.shape[2]);
      const upPool4 = this.upscore_pool4.forward(tf.add(upscore2, scorePool4));
      const scorePool3 = crop(this.score_pool3.forward(tf.mul(pool3, 0.0001)), FCN8S_CROPS.pool3, upPool4.shape[1], upPool4.shape[2]);
      const up8 = this.upscore8.forward(tf.add(upPool4, scorePool3));
      return crop(up8, FCN8S_CROPS.final, height, width);
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const relu = (t: string, stem: string) => graph.node('Relu', [t], {}, { outputs: [graph.fresh(scopedName(scope, stem))] })[0];
    const pooled: string[] = [];
    let h = segmenterInputToOnnx(graph, input, scopedName(scope, 'input'), this.inputNormalization);
    VGG16.forEach(([stage], si) => {
      this.stages[si].forEach((c, i) => {
        h = relu(c.toOnnx(graph, h, scopedName(scope, `conv${stage}_${i + 1}`)), `relu${stage}_${i + 1}`);
      });
      h = this.pool.toOnnx(graph, h, scopedName(scope, `pool${stage}`));
      pooled.push(h);
    });
    h = relu(this.fc6.toOnnx(graph, h, scopedName(scope, 'fc6')), 'relu6');
    h = relu(this.fc7.toOnnx(graph, h, scopedName(scope, 'fc7')), 'relu7');
    const upscore2 = this.upscore2.toOnnx(graph, this.score_fr.toOnnx(graph, h, scopedName(scope, 'score_fr')), scopedName(scope, 'upscore2'));
    const scale = (t: string, v: number, stem: string) =>
      graph.node('Mul', [t, floatConstant(graph, scopedName(scope, `${stem}_scale`), [v], [])], {}, { outputs: [graph.fresh(scopedName(scope, `${stem}_scaled`))] })[0];
    const crop = (t: string, off: number, like: string, stem: string) => {
      const hw = graph.node('Shape', [like], { start: 2, end: 4 }, { outputs: [graph.fresh(scopedName(scope, `${stem}_hw`))] })[0];
      const starts = int64Constant(graph, scopedName(scope, `${stem}_starts`), [off, off]);
      const ends = graph.node('Add', [hw, starts], {}, { outputs: [graph.fresh(scopedName(scope, `${stem}_ends`))] })[0];
      const axes = int64Constant(graph, scopedName(scope, `${stem}_axes`), [2, 3]);
      return graph.node('Slice', [t, starts, ends, axes], {}, { outputs: [graph.fresh(scopedName(scope, `${stem}_crop`))] })[0];
    };
    const add = (a: string, b: string, stem: string) => graph.node('Add', [a, b], {}, { outputs: [graph.fresh(scopedName(scope, stem))] })[0];
    const sp4 = crop(this.score_pool4.toOnnx(graph, scale(pooled[3], 0.01, 'pool4'), scopedName(scope, 'score_pool4')), FCN8S_CROPS.pool4, upscore2, 'pool4');
    const upPool4 = this.upscore_pool4.toOnnx(graph, add(upscore2, sp4, 'fuse_pool4'), scopedName(scope, 'upscore_pool4'));
    const sp3 = crop(this.score_pool3.toOnnx(graph, scale(pooled[2], 0.0001, 'pool3'), scopedName(scope, 'score_pool3')), FCN8S_CROPS.pool3, upPool4, 'pool3');
    const up8 = this.upscore8.toOnnx(graph, add(upPool4, sp3, 'fuse_pool3'), scopedName(scope, 'upscore8'));
    return crop(up8, FCN8S_CROPS.final, input, 'final');
  }
}
