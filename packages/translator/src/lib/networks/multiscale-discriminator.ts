/**
 * The multi-scale patch discriminators D_s and D_t (SPEC §2, Appendix B
 * "Discriminator (×3)"; MUNIT's `MsImageDis` with LSGAN): at each scale four
 * conv4/s2 (3→64→128→256→512, LeakyReLU 0.2, no norm) and a conv1 512→1
 * scoring patches; the input is downsampled between scales by a 3×3 average
 * pool, stride 2, padding 1, padding excluded from the average.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AvgPool2d, Layer, Module, OnnxGraph, Sequential, Rng, scaledChannels, scopedName } from '@semadapt/core-layers';
import { convBlock } from './conv-blocks';
import type { TranslatorNetworkConfig } from '../config/translator-config';

/** Options of `PatchDiscriminator` and `MultiScaleDiscriminator`. */
export interface DiscriminatorOptions extends Pick<TranslatorNetworkConfig, 'widthMultiplier'> {
  /** Initializer stream. */
  rng: Rng;
}

/** One scale: `down1` … `down4` (conv4/s2 + LeakyReLU 0.2) and `score` (conv1 → 1). */
export class PatchDiscriminator extends Module implements Layer {
  readonly down: Sequential[];
  readonly score: Sequential;

  constructor(options: DiscriminatorOptions) {
    super();
    const widths = [3, ...[64, 128, 256, 512].map((c) => scaledChannels(c, options.widthMultiplier))];
    this.down = [];
    for (let i = 1; i <= 4; i++) {
      const spec = { inChannels: widths[i - 1], outChannels: widths[i], kernelSize: 4, stride: 2, norm: { kind: 'none' }, activation: { kind: 'leakyRelu', slope: 0.2 } } as const;
      this.down.push(this.registerModule(`down${i}`, convBlock(spec, options.rng)));
    }
    this.score = this.registerModule('score', convBlock({ inChannels: widths[4], outChannels: 1, kernelSize: 1, stride: 1, norm: { kind: 'none' }, activation: { kind: 'none' } }, options.rng));
  }

  /** Image `[N, H, W, 3]` → patch scores `[N, H/16, W/16, 1]`. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.score.forward(this.down.reduce((h, block) => block.forward(h), x)));
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const h = this.down.reduce((acc, block, i) => block.toOnnx(graph, acc, scopedName(scope, `down${i + 1}`)), input);
    return this.score.toOnnx(graph, h, scopedName(scope, 'score'));
  }
}

/** `scale1` … `scaleK` patch discriminators on successively pooled inputs. */
export class MultiScaleDiscriminator extends Module {
  readonly scales: PatchDiscriminator[];
  readonly downsample: AvgPool2d;

  /** `scales`: the network config's `discriminatorScales`. */
  constructor(options: DiscriminatorOptions & { scales: number }) {
    super();
    this.scales = [];
    for (let i = 1; i <= options.scales; i++) this.scales.push(this.registerModule(`scale${i}`, new PatchDiscriminator(options)));
    this.downsample = this.registerModule('downsample', new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }));
  }

  /** One patch map per scale, finest first. */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = [];
      let h = x;
      this.scales.forEach((d, i) => {
        outs.push(d.forward(h));
        if (i + 1 < this.scales.length) h = this.downsample.forward(h);
      });
      return outs;
    });
  }

  /** ONNX for inspection: one graph output per scale; returns their names. */
  toOnnxScales(graph: OnnxGraph, input: string, scope: string): string[] {
    const outs: string[] = [];
    let h = input;
    this.scales.forEach((d, i) => {
      outs.push(d.toOnnx(graph, h, scopedName(scope, `scale${i + 1}`)));
      if (i + 1 < this.scales.length) h = this.downsample.toOnnx(graph, h, scopedName(scope, `downsample${i + 1}`));
    });
    return outs;
  }
}
