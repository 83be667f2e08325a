/**
 * The content encoders E_s and E_t (SPEC §2, Appendix B "Encoder"; MUNIT's
 * content encoder): conv7 3→64, two conv4/s2 downsamplings to 256 channels
 * (IN, ReLU), then residual blocks at 256. Output: the content code at 1/4
 * of the input resolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convBlock, instanceResBlock } from './conv-blocks';
import { Layer, Module, OnnxGraph, Residual, Rng, Sequential, recomputedIf, scaledChannels, scopedName } from '@semadapt/core-layers';
import type { TranslatorNetworkConfig } from '../config/translator-config';

/** Options of `ContentEncoder`: the translator's network config fields it uses (defaults there), and its seeded stream. */
export interface ContentEncoderOptions extends Pick<TranslatorNetworkConfig, 'widthMultiplier' | 'residualBlocks' | 'recomputeActivations'> {
  /** Initializer stream (the translator passes its seeded one). */
  rng: Rng;
}

export class ContentEncoder extends Module implements Layer {
  /** conv7 3→64, IN, ReLU. */
  readonly stem: Sequential;
  /** conv4/s2 64→128, IN, ReLU. */
  readonly down1: Sequential;
  /** conv4/s2 128→256, IN, ReLU. */
  readonly down2: Sequential;
  /** `res1` … `resN`, IN residual blocks at 256. */
  readonly res: Residual[];
  /** Channels of the content code. */
  readonly contentChannels: number;
  /** Recompute each stage's activations in the backward pass instead of keeping them. */
  readonly recomputeActivations: boolean;

  constructor(options: ContentEncoderOptions) {
    super();
    const [c1, c2, c3] = [64, 128, 256].map((c) => scaledChannels(c, options.widthMultiplier));
    const relu = { kind: 'relu' } as const;
    const instance = { kind: 'instance' } as const;
    this.stem = this.registerModule('stem', convBlock({ inChannels: 3, outChannels: c1, kernelSize: 7, stride: 1, norm: instance, activation: relu }, options.rng));
    this.down1 = this.registerModule('down1', convBlock({ inChannels: c1, outChannels: c2, kernelSize: 4, stride: 2, norm: instance, activation: relu }, options.rng));
    this.down2 = this.registerModule('down2', convBlock({ inChannels: c2, outChannels: c3, kernelSize: 4, stride: 2, norm: instance, activation: relu }, options.rng));
    this.res = [];
    for (let i = 1; i <= options.residualBlocks; i++) this.res.push(this.registerModule(`res${i}`, instanceResBlock(c3, options.rng)));
    this.contentChannels = c3;
    this.recomputeActivations = options.recomputeActivations;
  }

  /** Image `[N, H, W, 3]` in [−1, 1] → content code `[N, H/4, W/4, 256·w]`. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const stage of [this.stem, this.down1, this.down2, ...this.res]) {
        h = recomputedIf(this.recomputeActivations, stage, (a) => stage.forward(a as tf.Tensor4D), [h]);
      }
      return h;
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    let h = this.stem.toOnnx(graph, input, scopedName(scope, 'stem'));
    h = this.down1.toOnnx(graph, h, scopedName(scope, 'down1'));
    h = this.down2.toOnnx(graph, h, scopedName(scope, 'down2'));
    this.res.forEach((block, i) => {
      h = block.toOnnx(graph, h, scopedName(scope, `res${i + 1}`));
    });
    return h;
  }
}
