/**
 * One training step of the segmenter, SPEC §3 (BDL's `train.py` on top of
 * AdaptSegNet's output-space adaptation):
 *
 *   S update:  CE(S(x_st), y_s) + CE(S(x_t), ŷ_t) + λ_adv·BCE(D(softmax(S(x_t))), source)
 *   D update:  ½·BCE(D(softmax(S(x_st))), source) + ½·BCE(D(softmax(S(x_t))), target)
 *
 * Logits are upsampled (bilinear, align corners) to the label / image size
 * before the losses and the discriminator, as AdaptSegNet and BDL do. CE
 * ignores 255. Labels: source = 0, target = 1 (AdaptSegNet's constants). D's
 * inputs in its own update are the softmaxes of the S forward already done
 * (detached), so each step runs S once per image.
 *
 * `mode: { kind: 'sourceOnly' }` is round 0 / the oracle: CE on the given
 * images only, no discriminator.
 *
 * Optimizers and λ_adv default by architecture to BDL's (SPEC §3 (R); the
 * values and their sources are `SEGMENTER_TRAINER_DEFAULTS`, resolved by
 * `resolveSegmenterTrainerConfig`); per-parameter learning-rate multipliers
 * (DeepLabV2's ASPP ×10, FCN8s' biases ×2) are the networks'. Frozen
 * BatchNorm and FCN8s' fixed deconvolutions are excluded from gradients
 * (frozen modules) and never updated. The trainer owns what a checkpoint of
 * its training holds (`checkpointTargets`, `save`, `load`).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  Sgd,
  StepScope,
  applyGradients,
  computeGradients,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointTargets,
  type Module,
  type Optimizer,
  type Rng,
} from '@semadapt/core-layers';
import { bceWithLogits, crossEntropy } from '@semadapt/losses';
import { OutputDiscriminator } from '../networks/output-discriminator';
import { logitsAtSize, type Segmenter } from '../networks/segmenter';
import {
  resolveSegmenterTrainerConfig,
  type OutputDiscriminatorConfigInput,
  type SegmenterOptimizerConfig,
  type SegmenterTrainerConfigInput,
} from '../config/segmenter-config';
import { layerRandomStreams, restoreLayerRandomStreams } from './layer-random-streams';

/** AdaptSegNet's domain labels for the discriminator. */
export const SOURCE_DOMAIN_LABEL = 0;
export const TARGET_DOMAIN_LABEL = 1;

/** What a step trains on. */
export type SegmenterTrainingMode =
  /** SPEC §3 step: translated source + pseudo-labelled target + output-space adversarial loss. */
  | { kind: 'adapt' }
  /** Round 0 (lower bound) or oracle: CE on labelled images only. */
  | { kind: 'sourceOnly' };

/**
 * Options of `SegmenterTrainer`: the trainer config section (`lambdaAdv`,
 * `segmenterOptimizer`, `discriminatorOptimizer`, `discriminator` — see
 * `SegmenterTrainerConfigSchema`; defaults by the segmenter's kind), the mode,
 * and the discriminator's random stream.
 */
export interface SegmenterTrainerOptions extends Omit<SegmenterTrainerConfigInput, 'discriminator'> {
  /** Default `{ kind: 'adapt' }`. */
  mode?: SegmenterTrainingMode;
  /** Output-space discriminator (adapt mode): the config section, plus the stream of its initial weights (default: a new stream seeded `DEFAULT_INIT_SEED`). Classes are the segmenter's. */
  discriminator?: Omit<OutputDiscriminatorConfigInput, 'numClasses'> & { rng?: Rng };
}

/** One adaptation batch: images RGB in [0, 255] NHWC (the segmenter normalises them), labels int32 `[N, H, W]` with 255 ignored. */
export interface AdaptBatch {
  /** Translated source x_st. */
  source: tf.Tensor4D;
  /** Source labels y_s. */
  sourceLabels: tf.Tensor3D;
  /** Target x_t. */
  target: tf.Tensor4D;
  /** Pseudo-labels ŷ_t; omit to drop the target CE term (e.g. before the first pseudo-labelling). */
  targetLabels?: tf.Tensor3D;
}

/** One labelled batch (source-only mode). */
export interface LabelledBatch {
  source: tf.Tensor4D;
  sourceLabels: tf.Tensor3D;
}

/** Every loss term of a step (SPEC §3 names), plus the learning rates used. */
export interface SegmenterStepLosses {
  /** CE(S(x_st), y_s). */
  segSource: number;
  /** CE(S(x_t), ŷ_t); 0 without pseudo-labels or in source-only mode. */
  segTarget: number;
  /** BCE(D(softmax(S(x_t))), source) before λ; 0 in source-only mode. */
  adv: number;
  /** The minimized sum segSource + segTarget + λ_adv·adv. */
  total: number;
  /** D's loss on source (label 0) and target (label 1) predictions; 0 in source-only mode. */
  dSource: number;
  dTarget: number;
  /** Base learning rates used by this step (before per-parameter multipliers). */
  lr: number;
  lrDiscriminator: number;
}

function buildOptimizer(config: SegmenterOptimizerConfig, params: ConstructorParameters<typeof Sgd>[0]): Optimizer {
  switch (config.kind) {
    case 'sgd':
      return new Sgd(params, { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, schedule: config.schedule });
    case 'adam':
      return new Adam(params, { lr: config.lr, betas: config.betas, weightDecay: config.weightDecay, schedule: config.schedule });
    default: {
      const never: never = config;
      throw new Error(`SegmenterTrainer: unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}

function checkLabels(what: string, image: tf.Tensor4D, labels: tf.Tensor3D): void {
  if (labels.rank !== 3 || labels.dtype !== 'int32') throw new Error(`SegmenterTrainer: ${what} labels must be int32 [N, H, W], received ${labels.dtype} [${labels.shape}]`);
  if (labels.shape[0] !== image.shape[0]) throw new Error(`SegmenterTrainer: ${what} has ${image.shape[0]} images but ${labels.shape[0]} label maps`);
}

/** Owns the segmenter's and discriminator's optimizers; `step()` is one SPEC §3 iteration. */
export class SegmenterTrainer {
  readonly mode: SegmenterTrainingMode;
  readonly lambdaAdv: number;
  readonly discriminator: OutputDiscriminator | null;
  readonly segmenterOptimizer: Optimizer;
  readonly discriminatorOptimizer: Optimizer | null;

  constructor(readonly segmenter: Segmenter, options: SegmenterTrainerOptions = {}) {
    const { mode = { kind: 'adapt' }, discriminator: { rng: discriminatorRng, ...discriminatorSection } = {}, ...section } = options;
    this.mode = mode;
    if (this.mode.kind !== 'adapt' && this.mode.kind !== 'sourceOnly') throw new Error(`SegmenterTrainer: mode must be {kind:'adapt'|'sourceOnly'}, received ${JSON.stringify(options.mode)}`);
    const config = resolveSegmenterTrainerConfig(segmenter.kind, { ...section, discriminator: discriminatorSection });
    this.lambdaAdv = config.lambdaAdv;
    this.segmenterOptimizer = buildOptimizer(config.segmenterOptimizer, segmenter);
    if (this.mode.kind === 'adapt') {
      this.discriminator = new OutputDiscriminator({ ...config.discriminator, numClasses: segmenter.numClasses, rng: discriminatorRng });
      this.discriminatorOptimizer = buildOptimizer(config.discriminatorOptimizer, this.discriminator);
    } else {
      this.discriminator = null;
      this.discriminatorOptimizer = null;
    }
  }

  /** One step. Adapt mode needs an `AdaptBatch`; source-only a `LabelledBatch`. Inputs are not disposed. */
  step(batch: AdaptBatch | LabelledBatch): SegmenterStepLosses {
    this.segmenter.train();
    const mode = this.mode;
    switch (mode.kind) {
      case 'sourceOnly':
        return this.sourceOnlyStep(batch);
      case 'adapt':
        if (!('target' in batch)) throw new Error('SegmenterTrainer.step: adapt mode needs { source, sourceLabels, target, targetLabels? }');
        return this.adaptStep(batch);
      default: {
        const never: never = mode;
        throw new Error(`SegmenterTrainer: unknown mode ${JSON.stringify(never)}`);
      }
    }
  }

  private sourceOnlyStep(batch: LabelledBatch): SegmenterStepLosses {
    checkLabels('source', batch.source, batch.sourceLabels);
    const lr = this.segmenterOptimizer.currentLearningRate();
    const [, h, w] = batch.sourceLabels.shape;
    const total = this.segmenterOptimizer.minimize(() => crossEntropy(logitsAtSize(this.segmenter, batch.source, h, w), batch.sourceLabels));
    return { segSource: total, segTarget: 0, adv: 0, total, dSource: 0, dTarget: 0, lr, lrDiscriminator: 0 };
  }

  private adaptStep(batch: AdaptBatch): SegmenterStepLosses {
    const d = this.discriminator as OutputDiscriminator;
    const optD = this.discriminatorOptimizer as Optimizer;
    checkLabels('source', batch.source, batch.sourceLabels);
    if (batch.targetLabels) checkLabels('target', batch.target, batch.targetLabels);
    const [, hs, ws] = batch.sourceLabels.shape;
    const [ht, wt] = batch.targetLabels ? batch.targetLabels.shape.slice(1) : batch.target.shape.slice(1, 3);
    const lr = this.segmenterOptimizer.currentLearningRate();
    const lrDiscriminator = optD.currentLearningRate();

    // Tensors kept out of the S forward: the two softmaxes for D's update and the loss terms.
    const scope = new StepScope();
    const keep = scope.keep;
    let terms: { ceS: tf.Scalar; ceT: tf.Scalar | null; adv: tf.Scalar; probS: tf.Tensor4D; probT: tf.Tensor4D } | null = null;
    try {
      const { loss: total, grads } = computeGradients(() => {
        const ps = logitsAtSize(this.segmenter, batch.source, hs, ws);
        const pt = logitsAtSize(this.segmenter, batch.target, ht, wt);
        const ceS = keep(crossEntropy(ps, batch.sourceLabels));
        const ceT = batch.targetLabels ? keep(crossEntropy(pt, batch.targetLabels)) : null;
        const probT = keep(tf.softmax(pt) as tf.Tensor4D);
        const probS = keep(tf.softmax(ps) as tf.Tensor4D);
        const adv = keep(bceWithLogits(d.forward(probT), SOURCE_DOMAIN_LABEL));
        terms = { ceS, ceT, adv, probS, probT };
        const seg = ceT ? tf.add(ceS, ceT) : ceS;
        return tf.add(seg, tf.mul(adv, this.lambdaAdv)) as tf.Scalar;
      }, this.segmenter);
      applyGradients(this.segmenterOptimizer, grads);
      const t = terms as unknown as { ceS: tf.Scalar; ceT: tf.Scalar | null; adv: tf.Scalar; probS: tf.Tensor4D; probT: tf.Tensor4D };
      // D update on the detached predictions (new tensors: no path back into S).
      const probS = keep(tf.clone(t.probS));
      const probT = keep(tf.clone(t.probT));
      let dS: tf.Scalar | null = null;
      let dT: tf.Scalar | null = null;
      const { grads: gradsD } = computeGradients(() => {
        dS = keep(bceWithLogits(d.forward(probS), SOURCE_DOMAIN_LABEL));
        dT = keep(bceWithLogits(d.forward(probT), TARGET_DOMAIN_LABEL));
        return tf.mul(tf.add(dS, dT), 0.5) as tf.Scalar;
      }, d);
      applyGradients(optD, gradsD);
      const read = StepScope.read;
      return {
        segSource: read(t.ceS),
        segTarget: read(t.ceT),
        adv: read(t.adv),
        total,
        dSource: read(dS),
        dTarget: read(dT),
        lr,
        lrDiscriminator,
      };
    } finally {
      scope.dispose();
    }
  }

  /** Steps done so far (the segmenter optimizer's count). */
  get stepCount(): number {
    return this.segmenterOptimizer.stepCount;
  }

  /**
   * What a checkpoint of this training holds: the segmenter as `net.*`, its
   * optimizer as `optimizer.S.*` and, in adapt mode, the output-space
   * discriminator as `D.*` with `optimizer.D.*` — the layout of every run
   * directory's `segmenter.safetensors`.
   */
  checkpointTargets(): CheckpointTargets & { modules: Record<string, Module>; optimizers: Record<string, Optimizer> } {
    const modules: Record<string, Module> = { net: this.segmenter };
    const optimizers: Record<string, Optimizer> = { S: this.segmenterOptimizer };
    if (this.discriminator && this.discriminatorOptimizer) {
      modules['D'] = this.discriminator;
      optimizers['D'] = this.discriminatorOptimizer;
    }
    return { modules, optimizers };
  }

  /**
   * Write `checkpointTargets()`, the step and the dropout streams of its
   * modules (`layerRandomStreams`) to one safetensors checkpoint, atomically;
   * `metadata` is stored as the file's user JSON.
   */
  async save(file: string, metadata?: unknown): Promise<void> {
    const targets = this.checkpointTargets();
    await saveCheckpoint(file, targets, { step: this.stepCount, rng: layerRandomStreams(targets.modules), metadata });
  }

  /**
   * Restore what `save` wrote (strict: names, shapes and dtypes must match).
   * `missingStreams`: dropout streams the file has no state for (written
   * before they were saved); they are left as they are, so a resumed run then
   * draws other dropout masks than an uninterrupted one.
   */
  async load(file: string): Promise<{ step: number; missingStreams: string[] }> {
    const targets = this.checkpointTargets();
    const { step, rng } = await loadCheckpoint(file, targets);
    return { step, missingStreams: restoreLayerRandomStreams(targets.modules, rng) };
  }

  /** Release the optimizers' state and the discriminator (not the segmenter). */
  dispose(): void {
    this.segmenterOptimizer.dispose();
    this.discriminatorOptimizer?.dispose();
    this.discriminator?.dispose();
  }
}
