/**
 * The generators G_s and G_t (SPEC §2, Appendix B "Generator"): SPADE
 * residual blocks at 256 guided by the segmenter's logits, nearest ×2
 * upsampling, conv5 256→128 (LN, ReLU), ×2, conv5 128→64 (LN, ReLU), conv7
 * 64→3 and tanh. With the `spade` ablation switch off the residual blocks are
 * plain IN residual blocks and the generator takes no guidance (Table 3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, OnnxGraph, Residual, Rng, Sequential, SpadeResBlock, recomputedIf, scaledChannels, scopedName } from '@semadapt/core-layers';
import { convBlock, instanceResBlock } from './conv-blocks';
import type { TranslatorNetworkConfig } from '../config/translator-config';

/**
 * Options of `SpadeGenerator`: the translator's network config fields it uses
 * (documented, with their defaults, in `TranslatorNetworkSchema`), and its
 * seeded stream. `spade` off: plain IN residual blocks without guidance.
 */
export interface SpadeGeneratorOptions
  extends Pick<TranslatorNetworkConfig, 'widthMultiplier' | 'residualBlocks' | 'spade' | 'guidanceClasses' | 'spadeHidden' | 'recomputeActivations'> {
  /** Initializer stream. */
  rng: Rng;
}

export class SpadeGenerator extends Module {
  /** `res1` … `resN`: SPADE residual blocks (or IN residual blocks with `spade` off). */
  readonly res: Array<SpadeResBlock | Residual>;
  /** nearest ×2, conv5 256→128, LN, ReLU. */
  readonly up1: Sequential;
  /** nearest ×2, conv5 128→64, LN, ReLU. */
  readonly up2: Sequential;
  /** conv7 64→3, tanh. */
  readonly toRgb: Sequential;
  readonly spade: boolean;
  readonly guidanceClasses: number;
  readonly contentChannels: number;
  /** Recompute each stage's activations in the backward pass instead of keeping them. */
  readonly recomputeActivations: boolean;

  constructor(options: SpadeGeneratorOptions) {
    super();
    const w = options.widthMultiplier;
    const blocks = options.residualBlocks;
    this.spade = options.spade;
    this.guidanceClasses = options.guidanceClasses;
    const [c64, c128, c256] = [64, 128, 256].map((c) => scaledChannels(c, w));
    const hidden = scaledChannels(options.spadeHidden, w);
    this.contentChannels = c256;
    this.recomputeActivations = options.recomputeActivations;
    this.res = [];
    for (let i = 1; i <= blocks; i++) {
      const block = this.spade
        ? new SpadeResBlock({ channels: c256, labelChannels: this.guidanceClasses, hidden, rng: options.rng })
        : instanceResBlock(c256, options.rng);
      this.res.push(this.registerModule(`res${i}`, block));
    }
    const relu = { kind: 'relu' } as const;
    const layer = { kind: 'layer' } as const;
    this.up1 = this.registerModule('up1', convBlock({ inChannels: c256, outChannels: c128, kernelSize: 5, stride: 1, norm: layer, activation: relu, upsampleFirst: true }, options.rng));
    this.up2 = this.registerModule('up2', convBlock({ inChannels: c128, outChannels: c64, kernelSize: 5, stride: 1, norm: layer, activation: relu, upsampleFirst: true }, options.rng));
    this.toRgb = this.registerModule('toRgb', convBlock({ inChannels: c64, outChannels: 3, kernelSize: 7, stride: 1, norm: { kind: 'none' }, activation: { kind: 'tanh' } }, options.rng));
  }

  /**
   * Content code `[N, h, w, 256·w]` and guidance logits `[N, H, W, classes]`
   * (any spatial size: SPADE resizes it, nearest) → image `[N, 4h, 4w, 3]`.
   * With `spade` off, `guidance` must be null.
   */
  forward(content: tf.Tensor4D, guidance: tf.Tensor4D | null): tf.Tensor4D {
    this.checkGuidance(guidance);
    return tf.tidy(() => {
      const on = this.recomputeActivations;
      let h = content;
      for (const block of this.res) {
        h =
          block instanceof SpadeResBlock
            ? recomputedIf(on, block, (a, g) => block.forward(a as tf.Tensor4D, g as tf.Tensor4D), [h, guidance as tf.Tensor4D])
            : recomputedIf(on, block, (a) => block.forward(a as tf.Tensor4D), [h]);
      }
      for (const stage of [this.up1, this.up2, this.toRgb]) h = recomputedIf(on, stage, (a) => stage.forward(a as tf.Tensor4D), [h]);
      return h;
    });
  }

  /** ONNX: `guidance` names the NCHW guidance tensor (null with `spade` off). */
  toOnnxGuided(graph: OnnxGraph, input: string, guidance: string | null, scope: string): string {
    if (this.spade && guidance === null) throw new Error('SpadeGenerator.toOnnxGuided: spade is on but no guidance tensor was given');
    let h = input;
    this.res.forEach((block, i) => {
      const s = scopedName(scope, `res${i + 1}`);
      h = block instanceof SpadeResBlock ? block.toOnnxGuided(graph, h, guidance as string, s) : block.toOnnx(graph, h, s);
    });
    h = this.up1.toOnnx(graph, h, scopedName(scope, 'up1'));
    h = this.up2.toOnnx(graph, h, scopedName(scope, 'up2'));
    return this.toRgb.toOnnx(graph, h, scopedName(scope, 'toRgb'));
  }

  private checkGuidance(guidance: tf.Tensor4D | null): void {
    if (this.spade) {
      if (guidance === null || guidance === undefined) throw new Error('SpadeGenerator: spade is on, so guidance logits are required; received none');
      if (guidance.rank !== 4 || guidance.shape[3] !== this.guidanceClasses) {
        throw new Error(`SpadeGenerator: guidance must be NHWC logits with ${this.guidanceClasses} channels, received shape [${guidance.shape}]`);
      }
    } else if (guidance !== null && guidance !== undefined) {
      throw new Error(`SpadeGenerator: spade is off, so the generator takes no guidance; received a tensor of shape [${guidance.shape}]`);
    }
  }
}
