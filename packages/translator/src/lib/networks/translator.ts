/**
 * The two-domain translator of SPEC §2: encoders E_s, E_t, generators G_s,
 * G_t and multi-scale discriminators D_s, D_t, registered under those names
 * (so checkpoints and ONNX initializers read `G_t.res1.norm1.gamma.weight`).
 * Translation follows the paper:
 *
 *   x_st = G_t(E_s(x_s), S(x_s))        x_ts = G_s(E_t(x_t), S(x_t))
 *
 * with `S(x)` the frozen segmenter's unnormalized logits (none when the
 * `spade` ablation switch is off).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, Rng } from '@semadapt/core-layers';
import { TranslatorNetworkConfig, TranslatorNetworkConfigInput, resolveTranslatorNetworkConfig } from '../config/translator-config';
import { ContentEncoder } from './content-encoder';
import { SpadeGenerator } from './spade-generator';
import { MultiScaleDiscriminator } from './multiscale-discriminator';

/** A domain of SPEC §2: source (synthetic) or target (real). */
export type Domain = 's' | 't';

/** A translation direction. */
export type Direction = 's2t' | 't2s';

export class Translator extends Module {
  /** The network section, every field filled (see `TranslatorNetworkSchema`). */
  readonly config: TranslatorNetworkConfig;
  readonly E_s: ContentEncoder;
  readonly E_t: ContentEncoder;
  readonly G_s: SpadeGenerator;
  readonly G_t: SpadeGenerator;
  readonly D_s: MultiScaleDiscriminator;
  readonly D_t: MultiScaleDiscriminator;

  /** `config`: the `network` section of `resolveTranslatorConfig` (or any subset of its fields; defaults filled here). */
  constructor(config: TranslatorNetworkConfigInput = {}) {
    super();
    this.config = resolveTranslatorNetworkConfig(config);
    const c = this.config;
    const rng = new Rng(c.seed);
    const enc = () => new ContentEncoder({ widthMultiplier: c.widthMultiplier, residualBlocks: c.residualBlocks, recomputeActivations: c.recomputeActivations, rng });
    const gen = () =>
      new SpadeGenerator({ widthMultiplier: c.widthMultiplier, residualBlocks: c.residualBlocks, spade: c.spade, guidanceClasses: c.guidanceClasses, spadeHidden: c.spadeHidden, recomputeActivations: c.recomputeActivations, rng });
    const dis = () => new MultiScaleDiscriminator({ widthMultiplier: c.widthMultiplier, scales: c.discriminatorScales, rng });
    this.E_s = this.registerModule('E_s', enc());
    this.E_t = this.registerModule('E_t', enc());
    this.G_s = this.registerModule('G_s', gen());
    this.G_t = this.registerModule('G_t', gen());
    this.D_s = this.registerModule('D_s', dis());
    this.D_t = this.registerModule('D_t', dis());
  }

  /** E_d: image → content code. */
  encoder(domain: Domain): ContentEncoder {
    return domain === 's' ? this.E_s : this.E_t;
  }

  /** G_d: content code (+ guidance) → image of domain d. */
  generator(domain: Domain): SpadeGenerator {
    return domain === 's' ? this.G_s : this.G_t;
  }

  discriminator(domain: Domain): MultiScaleDiscriminator {
    return domain === 's' ? this.D_s : this.D_t;
  }

  /** `E_from(x)`. */
  encode(x: tf.Tensor4D, from: Domain): tf.Tensor4D {
    return this.encoder(from).forward(x);
  }

  /** `G_to(content, guidance)`; guidance null with `spade` off. */
  decode(content: tf.Tensor4D, guidance: tf.Tensor4D | null, to: Domain): tf.Tensor4D {
    return this.generator(to).forward(content, guidance);
  }

  /** `G_to(E_from(x), guidance)` in the module's current mode. */
  translateWith(x: tf.Tensor4D, guidance: tf.Tensor4D | null, from: Domain, to: Domain): tf.Tensor4D {
    return tf.tidy(() => this.decode(this.encode(x, from), guidance, to));
  }

  /**
   * Inference: `x_st` (direction 's2t') or `x_ts` ('t2s') in eval mode (no
   * spectral-norm update); the previous mode is restored. `x` is NHWC in
   * [−1, 1]; guidance the segmenter's NHWC logits of `x` (null with `spade` off).
   * Images need H and W divisible by 4.
   */
  translate(x: tf.Tensor4D, guidance: tf.Tensor4D | null, direction: Direction = 's2t'): tf.Tensor4D {
    const wasTraining = this.training;
    this.eval();
    try {
      return direction === 's2t' ? this.translateWith(x, guidance, 's', 't') : this.translateWith(x, guidance, 't', 's');
    } finally {
      this.train(wasTraining);
    }
  }

  /** Parameters of E_s, E_t, G_s, G_t (what the generator optimizer updates), dotted names. */
  generatorParameterEntries() {
    return this.namedParameterEntries().filter(([n]) => /^(E|G)_[st]\./.test(n));
  }

  /** Parameters of D_s, D_t. */
  discriminatorParameterEntries() {
    return this.namedParameterEntries().filter(([n]) => /^D_[st]\./.test(n));
  }
}
