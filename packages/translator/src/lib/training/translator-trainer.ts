/**
 * One training step of the translator (SPEC §2, issue 5): the
 * encoder/generator update, then the discriminator update on that update's
 * translations (detached; as CycleGAN and the PyTorch bench reference do —
 * MUNIT and SPADE translate anew for D, which costs two more encoder and
 * generator passes per step), for both directions, guided by the frozen segmenter's logits. The trainer owns the
 * two Adam optimizers (TTUR: lr 1e-4 for E/G, 4e-4 for D, betas (0, 0.9),
 * poly 0.9 over 1e6 steps — all from its `TranslatorTrainerConfig`) and returns every
 * loss term as a number (STYLE §7: one weighted sum, weights from config).
 *
 * Guidance (SPEC §2): `S(x)` for every translation, including the
 * back-translation of a cycle, which reuses `S(x_s)` / `S(x_t)`:
 *
 *   x_st = G_t(E_s(x_s), S(x_s))      x_sts = G_s(E_t(x_st), S(x_s))
 *
 * The symmetric cross-entropy term needs `S(x_st)` differentiable with respect
 * to the translator, so it needs the segmenter as a callback (a tfjs function
 * of its input), not precomputed logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam, CheckpointTargets, StepScope, accumulateGradients, applyGradients, computeGradients, disposeGradients, loadCheckpoint, saveCheckpoint,
} from '@semadapt/core-layers';
import { l1Loss, lsganDiscriminatorLoss, lsganGeneratorLoss, symmetricCrossEntropy } from '@semadapt/losses';
import { Domain, Translator } from '../networks/translator';
import { TranslatorTrainerConfig, TranslatorTrainerConfigInput, resolveTranslatorTrainerConfig } from '../config/translator-config';

/**
 * The frozen segmenter S as the translator sees it: NHWC images in the
 * translator's range [−1, 1] → NHWC unnormalized logits (any spatial size;
 * SPADE resizes). It must be a tfjs function of its input (so gradients flow
 * through it into x_st for the SCE term); its own weights are never updated
 * here. Any preprocessing the segmenter needs (BGR, mean subtraction) belongs
 * inside the callback.
 */
export type SegmenterFn = (x: tf.Tensor4D) => tf.Tensor4D;

/** Guidance of one step: precomputed logits of x_s and x_t, or the segmenter itself. */
export type Guidance =
  | { kind: 'logits'; source: tf.Tensor4D; target: tf.Tensor4D }
  | { kind: 'segmenter'; segment: SegmenterFn }
  /** Only with `spade` and `sce` both off (Table 3, "neither"). */
  | { kind: 'none' };

/** A training batch: source and target images, NHWC in [−1, 1], H and W divisible by 4. */
export interface TranslatorBatch {
  source: tf.Tensor4D;
  target: tf.Tensor4D;
  guidance: Guidance;
}

/** Every loss term of one step, summed over both domains (SPEC §2), unweighted, plus the weighted totals. */
export interface TranslatorLosses {
  /** Discriminator LSGAN loss, D_s + D_t. */
  dis: number;
  /** Generator LSGAN loss, both directions. */
  adv: number;
  /** Reconstruction L1, both domains. */
  rec: number;
  /** Image cycle L1, both domains. */
  cyc: number;
  /** Latent cycle L1, both domains. */
  latent: number;
  /** Symmetric cross-entropy, both directions (0 when `sce` is off). */
  sce: number;
  /** The weighted E/G objective that was minimized. */
  gen: number;
}

/** The E/G loss terms, as differentiable scalars. */
export type GeneratorTerms = Record<'adv' | 'rec' | 'cyc' | 'latent' | 'sce', tf.Scalar>;

const TERM_NAMES = ['adv', 'rec', 'cyc', 'latent', 'sce'] as const;

/**
 * Trains a `Translator` in place. Owns its optimizers and what a checkpoint
 * of the training holds (`checkpointTargets`, `save`, `load`).
 */
export class TranslatorTrainer {
  readonly translator: Translator;
  /** The trainer section, every field filled (see `TranslatorTrainerSchema`). */
  readonly config: TranslatorTrainerConfig;
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;

  /** `config`: the `trainer` section of `resolveTranslatorConfig` (or any subset of its fields; defaults filled here). */
  constructor(translator: Translator, config: TranslatorTrainerConfigInput = {}) {
    this.translator = translator;
    this.config = resolveTranslatorTrainerConfig(config);
    const o = this.config.optimization;
    this.optimizerG = new Adam(translator.generatorParameterEntries(), { lr: o.lrGenerator, betas: o.betas, schedule: o.schedule });
    this.optimizerD = new Adam(translator.discriminatorParameterEntries(), { lr: o.lrDiscriminator, betas: o.betas, schedule: o.schedule });
  }

  /** Steps done so far. */
  get stepCount(): number {
    return this.optimizerG.stepCount;
  }

  /** One E/G update, then one D update on its translations x_st, x_ts. */
  step(batch: TranslatorBatch): TranslatorLosses {
    const t = this.translator;
    const cfg = this.config;
    const spade = t.config.spade;
    checkImages(batch.source, batch.target);
    t.train();
    const segment = batch.guidance.kind === 'segmenter' ? batch.guidance.segment : null;
    if (cfg.sce && cfg.lossWeights.sce > 0 && !segment) {
      throw new Error(`TranslatorTrainer.step: the sce term needs the segmenter as a callback (guidance kind 'segmenter'), received guidance kind '${batch.guidance.kind}'`);
    }
    if (spade && batch.guidance.kind === 'none') {
      throw new Error("TranslatorTrainer.step: spade is on, so guidance logits are needed; received guidance kind 'none'");
    }
    const xs = batch.source;
    const xt = batch.target;
    // Guidance logits S(x_s), S(x_t): constants for the translator (S is frozen).
    const [gs, gt] = spade ? guidanceLogits(batch.guidance, xs, xt) : [null, null];
    const fakes: Partial<Record<Domain, tf.Tensor4D>> = {};
    try {
      const generator = this.generatorStep(xs, xt, gs, gt, segment, fakes);
      const dis = this.discriminatorStep(xs, xt, fakes.s as tf.Tensor4D, fakes.t as tf.Tensor4D);
      return { dis, ...generator };
    } finally {
      tf.dispose(Object.values(fakes));
      if (batch.guidance.kind === 'segmenter') tf.dispose([gs, gt].filter((g): g is tf.Tensor4D => g !== null));
    }
  }

  /** D_s, D_t update on real images and the E/G step's translations x_st, x_ts (constants here). */
  private discriminatorStep(xs: tf.Tensor4D, xt: tf.Tensor4D, xst: tf.Tensor4D, xts: tf.Tensor4D): number {
    const t = this.translator;
    const { loss, grads } = computeGradients(
      () => tf.add(lsganDiscriminatorLoss(t.D_t.forward(xt), t.D_t.forward(xst)), lsganDiscriminatorLoss(t.D_s.forward(xs), t.D_s.forward(xts))) as tf.Scalar,
      t.discriminatorParameterEntries(),
    );
    applyGradients(this.optimizerD, grads);
    return loss;
  }

  /**
   * The E/G loss terms of SPEC §2 for one batch (unweighted, each summed over
   * both domains), as differentiable scalars: what `generatorStep` minimizes.
   * `gs`, `gt` are S(x_s), S(x_t) (null with `spade` off); `segment` is
   * needed for the `sce` term (else it is 0).
   */
  generatorTerms(xs: tf.Tensor4D, xt: tf.Tensor4D, gs: tf.Tensor4D | null, gt: tf.Tensor4D | null, segment: SegmenterFn | null): GeneratorTerms {
    return tf.tidy(() => {
      const s = this.directionTerms('s', xs, gs, segment);
      const t = this.directionTerms('t', xt, gt, segment);
      return Object.fromEntries(TERM_NAMES.map((k) => [k, tf.add(s[k], t[k])])) as GeneratorTerms;
    });
  }

  /**
   * The terms that start from domain `d`'s image x (e = the other domain):
   * `rec ‖G_d(E_d(x)) − x‖₁`, `adv` of `D_e(x_de)`, `cyc ‖G_d(E_e(x_de)) − x‖₁`,
   * `latent ‖E_e(x_de) − E_d(x)‖₁`, `sce SCE(S(x), S(x_de))`. The E/G objective
   * is the sum of both directions' terms and they share no activations, so
   * the step takes their gradients in two passes: the gradient tape then
   * holds one direction at a time (half the peak memory).
   */
  directionTerms(d: Domain, x: tf.Tensor4D, g: tf.Tensor4D | null, segment: SegmenterFn | null): GeneratorTerms {
    return tf.tidy(() => this.directionForward(d, x, g, segment).terms);
  }

  /** `directionTerms` and the translation x_de they were computed from. */
  private directionForward(d: Domain, x: tf.Tensor4D, g: tf.Tensor4D | null, segment: SegmenterFn | null): { terms: GeneratorTerms; translated: tf.Tensor4D } {
    const t = this.translator;
    const e: Domain = d === 's' ? 't' : 's';
    const useSce = this.config.sce && segment !== null;
    return tf.tidy(() => {
      const c = t.encoder(d).forward(x);
      const xdd = t.generator(d).forward(c, g);
      const xde = t.generator(e).forward(c, g);
      const cde = t.encoder(e).forward(xde);
      // The cycle's back-translation is guided by S of the original image (SPEC §2, Appendix A).
      const xded = t.generator(d).forward(cde, g);
      // S(x) does not depend on the translator's parameters; S(x_de) does.
      const seg = segment as SegmenterFn;
      const terms = {
        adv: lsganGeneratorLoss(t.discriminator(e).forward(xde)),
        rec: l1Loss(xdd, x),
        cyc: l1Loss(xded, x),
        latent: l1Loss(cde, c),
        sce: useSce ? symmetricCrossEntropy(g ?? seg(x), seg(xde)) : tf.scalar(0),
      };
      return { terms, translated: xde };
    });
  }

  /** The E/G update; leaves each direction's translation x_de, detached, in `fakes[d]` (caller disposes). */
  private generatorStep(
    xs: tf.Tensor4D,
    xt: tf.Tensor4D,
    gs: tf.Tensor4D | null,
    gt: tf.Tensor4D | null,
    segment: SegmenterFn | null,
    fakes: Partial<Record<Domain, tf.Tensor4D>>,
  ): Omit<TranslatorLosses, 'dis'> {
    const w = this.config.lossWeights;
    const entries = this.translator.generatorParameterEntries();
    const totals = { adv: 0, rec: 0, cyc: 0, latent: 0, sce: 0 };
    let gen = 0;
    let sum: Map<string, tf.Tensor> | null = null;
    try {
      for (const [d, x, g] of [['s', xs, gs], ['t', xt, gt]] as const) {
        const scope = new StepScope();
        try {
          let kept: tf.Scalar[] = [];
          const { loss, grads } = computeGradients(() => {
            const { terms, translated } = this.directionForward(d, x, g, segment);
            kept = TERM_NAMES.map((k) => scope.keep(terms[k].clone()));
            // Not part of the loss, so no gradient flows into it: the D step's constant fake (the caller disposes it).
            fakes[d] = tf.keep(translated.clone());
            return tf.addN(TERM_NAMES.map((k) => tf.mul(terms[k], w[k]))) as tf.Scalar;
          }, entries);
          TERM_NAMES.forEach((k, i) => (totals[k] += StepScope.read(kept[i])));
          gen += loss;
          sum = accumulateGradients(sum, grads);
        } finally {
          scope.dispose();
        }
      }
    } catch (e) {
      if (sum) disposeGradients(sum);
      throw e;
    }
    applyGradients(this.optimizerG, sum as Map<string, tf.Tensor>);
    return { ...totals, gen };
  }

  /**
   * What a checkpoint of this training holds: the translator's weights and
   * spectral-norm vectors under bare names (`E_s.stem.conv.weight`, as a
   * PyTorch state dict; key `''`) and the two Adam states as `optimizer.G.*`,
   * `optimizer.D.*` — the layout of every run directory's
   * `translator.safetensors`.
   */
  checkpointTargets(): CheckpointTargets {
    return { modules: { '': this.translator }, optimizers: { G: this.optimizerG, D: this.optimizerD } };
  }

  /**
   * Write `checkpointTargets()` and the step to one safetensors checkpoint
   * (atomically, core-layers); `metadata` is stored as the file's user JSON.
   */
  async save(file: string, metadata?: unknown): Promise<void> {
    await saveCheckpoint(file, this.checkpointTargets(), { step: this.stepCount, metadata });
  }

  /** Restore what `save` wrote (strict: names, shapes and dtypes must match). Returns the step. */
  async load(file: string): Promise<number> {
    const loaded = await loadCheckpoint(file, this.checkpointTargets());
    return loaded.step;
  }

  /** Release the optimizers' state (not the translator). */
  dispose(): void {
    this.optimizerG.dispose();
    this.optimizerD.dispose();
  }
}

function checkImages(xs: tf.Tensor4D, xt: tf.Tensor4D): void {
  for (const [name, x] of [['source', xs], ['target', xt]] as const) {
    if (x.rank !== 4 || x.shape[3] !== 3 || x.shape[1] % 4 !== 0 || x.shape[2] % 4 !== 0) {
      throw new Error(`TranslatorTrainer.step: ${name} must be NHWC RGB with H and W divisible by 4, received shape [${x.shape}]`);
    }
  }
}

/** S(x_s), S(x_t) as constants. Callback results are new tensors owned by the caller. */
function guidanceLogits(guidance: Guidance, xs: tf.Tensor4D, xt: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  switch (guidance.kind) {
    case 'logits':
      return [guidance.source, guidance.target];
    case 'segmenter':
      return tf.tidy(() => [guidance.segment(xs), guidance.segment(xt)]) as [tf.Tensor4D, tf.Tensor4D];
    case 'none':
      throw new Error("guidanceLogits: guidance kind 'none' gives no logits");
    default: {
      const never: never = guidance;
      throw new Error(`guidanceLogits: unknown guidance ${JSON.stringify(never)}`);
    }
  }
}
