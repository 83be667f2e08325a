/**
 * Configuration of the segmenters (SPEC §3): one zod schema per network
 * (DeepLabV2, FCN8s) and one for the trainer, each field's only default and
 * check. Values marked (R) are reconstructed (SPEC preamble) from BDL's
 * released code. `resolveSegmenterConfig` turns a run config's
 * `model.segmenter` `{ arch, network, trainer }` into typed sections; the
 * network constructors and `SegmenterTrainer` resolve their options through
 * the same schemas, so a default lives in one place.
 */
import { z } from 'zod';
import { NUM_CLASSES } from '@semadapt/labels';
import {
  booleanField as bool,
  describeConfigProblem,
  lrScheduleField,
  nonNegativeField as nonNegative,
  parseConfig,
  positiveField,
  positiveIntegerField as positiveInteger,
  unitIntervalField as unit,
  type ConfigProblem,
  type Initializer,
  type KnownConfigKeys,
  type LrSchedule,
} from '@semadapt/core-layers';
import type { ResNetDepth } from '../networks/deeplab-v2';

/** The segmenter architectures of SPEC §3. */
export const SEGMENTER_ARCHS = ['deeplabv2', 'fcn8s'] as const;
export type SegmenterArch = (typeof SEGMENTER_ARCHS)[number];

const positive = () => positiveField('must be > 0');

/** An initializer of core-layers (`{ kind: 'normal', std: 0.01 }`, …); its fields are checked when a layer uses it. */
const initializer = z.custom<Initializer>((v) => typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string', {
  message: "must be an initializer object with a 'kind' (see core-layers Initializer)",
});

/** A learning-rate schedule, checked by core-layers' `validateSchedule` (its message names the bad field). */
const schedule = lrScheduleField();


const DEPTH = "must be { kind: 'resnet101' | 'resnet50' } or { kind: 'custom', blocks: four positive integers }";
const depth = z.custom<ResNetDepth>((v) => {
  const d = v as { kind?: unknown; blocks?: unknown };
  if (typeof v !== 'object' || v === null) return false;
  if (d.kind === 'resnet101' || d.kind === 'resnet50') return Object.keys(v).length === 1;
  return d.kind === 'custom' && Array.isArray(d.blocks) && d.blocks.length === 4 && d.blocks.every((b) => Number.isInteger(b) && b >= 1);
}, { message: DEPTH });

/** The options DeepLabV2 and FCN8s share. */
const commonNetworkFields = {
  /** Output classes. Default 19, the Cityscapes trainIds of @semadapt/labels (SPEC §1). */
  numClasses: positiveInteger().default(NUM_CLASSES),
  /**
   * Multiplies every channel count of the architecture (64 … 2048 for
   * DeepLabV2, 64 … 4096 for FCN8s), rounded, at least 1 (core-layers
   * `scaledChannels`). Default 1 (the paper); small values are for tests and
   * the CPU demo. In (0, 4].
   */
  widthMultiplier: z.number({ invalid_type_error: 'must be in (0, 4]' }).gt(0, 'must be in (0, 4]').lte(4, 'must be in (0, 4]').default(1),
};

/** DeepLabV2-ResNet (SPEC §3; BDL's `model/deeplab.py`). */
export const DeepLabV2ConfigSchema = z
  .object({
    ...commonNetworkFields,
    /** Backbone depth. Default `{ kind: 'resnet101' }` = blocks [3, 4, 23, 3] (SPEC §3). */
    depth: depth.default((): ResNetDepth => ({ kind: 'resnet101' })),
    /** ASPP dilations (= paddings). Default [6, 12, 18, 24] (SPEC §3). */
    asppDilations: z.array(positiveInteger(), { invalid_type_error: 'must be positive integers' }).min(1, 'must be positive integers').default(() => [6, 12, 18, 24]),
    /**
     * How many ASPP branches (the first ones) the classifier sums. Default all
     * (BDL's `model/deeplab.py`, SPEC §3). AdaptSegNet's released `deeplab.py`
     * returns inside the summing loop, so its logits are branches 0 + 1: give 2
     * to load AdaptSegNet-trained weights and get its logits. Every branch keeps
     * its parameters (the weight files hold all four).
     */
    asppBranches: positiveInteger().optional(),
    /**
     * 8 (default, SPEC §3: layer3 dilation 2, layer4 dilation 4) or 4 (layer2's
     * stride replaced by dilation 2, layer3 4, layer4 8 — the same receptive
     * field at twice the logit resolution; for tiny inputs such as the demo's).
     */
    outputStride: z.union([z.literal(8), z.literal(4)], { errorMap: () => ({ message: 'must be 8 or 4' }) }).default(8),
    /** BatchNorm behaviour: 'frozen' (default, SPEC §3) or 'batch' (from-scratch training; see `SegmenterBatchNorm`). */
    batchNorm: z.enum(['frozen', 'batch'], { errorMap: () => ({ message: "must be 'frozen' or 'batch'" }) }).default('frozen'),
    /** Learning-rate multiplier of the ASPP classifier. Default 10 (SPEC §3, BDL). */
    classifierLrMultiplier: positive().default(10),
    /**
     * Backbone conv init when no weights are loaded. Default kaiming normal,
     * fan_out, ReLU (torchvision's ResNet init; the paper starts from ImageNet /
     * BDL weights instead — load them with `loadSegmenterSafetensors`).
     */
    backboneInit: initializer.default((): Initializer => ({ kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' })),
    /** ASPP conv init. Default N(0, 0.01²) (BDL). */
    classifierInit: initializer.default((): Initializer => ({ kind: 'normal', std: 0.01 })),
  })
  .strict();

/** FCN8s-VGG16, at-once (SPEC §3; BDL's `model/fcn8s.py`). */
export const FCN8sConfigSchema = z
  .object({
    ...commonNetworkFields,
    /** Dropout after fc6 and fc7 (training only). Default 0.5 (the original FCN). */
    dropout: unit('must be in [0, 1)').default(0.5),
    /** Channelwise dropout (`torch.nn.Dropout2d`, BDL) rather than elementwise (Caffe's FCN). Default true. */
    dropout2d: bool().default(true),
    /** Learn the three deconvolutions (original FCN) instead of keeping them bilinear and frozen (BDL). Default false. */
    learnUpsampling: bool().default(false),
    /** Learning-rate multiplier of every conv bias (BDL: 2). Default 2. */
    biasLrMultiplier: positive().default(2),
    /** VGG / fc conv init when no weights are loaded. Default kaiming normal, fan_in, ReLU. */
    backboneInit: initializer.default((): Initializer => ({ kind: 'kaimingNormal', mode: 'fanIn', nonlinearity: 'relu' })),
  })
  .strict();

export type DeepLabV2Config = z.output<typeof DeepLabV2ConfigSchema>;
export type DeepLabV2ConfigInput = z.input<typeof DeepLabV2ConfigSchema>;
export type FCN8sConfig = z.output<typeof FCN8sConfigSchema>;
export type FCN8sConfigInput = z.input<typeof FCN8sConfigSchema>;

/** The network config schema of each architecture. */
export const SEGMENTER_NETWORK_SCHEMAS = { deeplabv2: DeepLabV2ConfigSchema, fcn8s: FCN8sConfigSchema } as const;

/** An optimizer, as data. */
const BETAS = 'must be a pair of numbers in [0, 1)';
export const SegmenterOptimizerSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('sgd'), lr: positive(), momentum: unit('must be in [0, 1)'), weightDecay: nonNegative(), schedule }).strict(),
    z.object({ kind: z.literal('adam'), lr: positive(), betas: z.tuple([unit(BETAS), unit(BETAS)], { invalid_type_error: BETAS }), weightDecay: nonNegative(), schedule }).strict(),
  ],
  { errorMap: (issue, ctx) => (issue.code === z.ZodIssueCode.invalid_union_discriminator ? { message: "must be 'sgd' or 'adam'" } : { message: ctx.defaultError }) },
);
export type SegmenterOptimizerConfig = z.output<typeof SegmenterOptimizerSchema>;

/** AdaptSegNet's output-space discriminator (SPEC §3). */
export const OutputDiscriminatorConfigSchema = z
  .object({
    /** Width of the first conv; later ones double (64→128→256→512). Default 64 (SPEC §3, AdaptSegNet ndf). */
    baseChannels: positiveInteger().default(64),
    /** Negative slope of the LeakyReLUs. Default 0.2 (SPEC §3). */
    negativeSlope: unit('must be in [0, 1)').default(0.2),
  })
  .strict();
export type OutputDiscriminatorConfig = z.output<typeof OutputDiscriminatorConfigSchema>;

/** The discriminator's own options: the config section and its input classes (the segmenter's). */
const OutputDiscriminatorOptionsSchema = OutputDiscriminatorConfigSchema.extend({
  /** Input channels (the segmenter's classes). Default 19, the label space of @semadapt/labels (SPEC §1). */
  numClasses: positiveInteger().default(NUM_CLASSES),
}).strict();
export type OutputDiscriminatorConfigInput = z.input<typeof OutputDiscriminatorOptionsSchema>;

/** BDL's DeepLabV2 schedule: poly 0.9 over `num_steps` 250k (training stops earlier, at `num_steps_stop`). */
export const BDL_POLY_SCHEDULE: LrSchedule = { kind: 'poly', maxSteps: 250000, power: 0.9 };
/** BDL's FCN8s schedule (S and D): `lr · 0.1^⌊i / 50000⌋`. */
export const BDL_STEP_SCHEDULE: LrSchedule = { kind: 'step', stepSize: 50000, gamma: 0.1 };

/**
 * The trainer's defaults depend on the architecture (SPEC §3 (R), BDL):
 * λ_adv 0.001 / 0.0001; DeepLabV2 SGD lr 2.5e-4, momentum 0.9, weight decay
 * 5e-4, poly 0.9 over 250k (`model/deeplab.py`); FCN8s Adam lr 1e-5, betas
 * (0.9, 0.99), step ×0.1 every 50k (`model/fcn8s.py`); discriminator Adam lr
 * 1e-4, betas (0.9, 0.99) with the segmenter's kind of schedule
 * (`model/discriminator.py`).
 */
export const SEGMENTER_TRAINER_DEFAULTS: Readonly<Record<SegmenterArch, { lambdaAdv: number; segmenterOptimizer: SegmenterOptimizerConfig; discriminatorOptimizer: SegmenterOptimizerConfig }>> = {
  deeplabv2: {
    lambdaAdv: 0.001,
    segmenterOptimizer: { kind: 'sgd', lr: 2.5e-4, momentum: 0.9, weightDecay: 5e-4, schedule: BDL_POLY_SCHEDULE },
    discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: BDL_POLY_SCHEDULE },
  },
  fcn8s: {
    lambdaAdv: 0.0001,
    segmenterOptimizer: { kind: 'adam', lr: 1e-5, betas: [0.9, 0.99], weightDecay: 0, schedule: BDL_STEP_SCHEDULE },
    discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: BDL_STEP_SCHEDULE },
  },
};

/** The trainer's options as a run config gives them; defaults by architecture (`SEGMENTER_TRAINER_DEFAULTS`). */
export const SegmenterTrainerConfigSchema = z
  .object({
    /** λ_adv of the output-space adversarial term. Default by architecture: 0.001 DeepLabV2, 0.0001 FCN8s (SPEC §3 (R)). */
    lambdaAdv: nonNegative().optional(),
    /** Segmenter optimizer. Default by architecture (see `SEGMENTER_TRAINER_DEFAULTS`). */
    segmenterOptimizer: SegmenterOptimizerSchema.optional(),
    /** Output-space discriminator optimizer. Default Adam 1e-4 (0.9, 0.99), the segmenter's schedule kind. */
    discriminatorOptimizer: SegmenterOptimizerSchema.optional(),
    /** Output-space discriminator. Defaults AdaptSegNet's. */
    discriminator: OutputDiscriminatorConfigSchema.default({}),
  })
  .strict();
export type SegmenterTrainerConfigInput = z.input<typeof SegmenterTrainerConfigSchema>;
/** The trainer's options, every field filled for one architecture. */
export interface SegmenterTrainerConfig {
  lambdaAdv: number;
  segmenterOptimizer: SegmenterOptimizerConfig;
  discriminatorOptimizer: SegmenterOptimizerConfig;
  discriminator: OutputDiscriminatorConfig;
}

/** A segmenter network config of either architecture, tagged. */
export type SegmenterNetworkConfig = { arch: 'deeplabv2'; network: DeepLabV2Config } | { arch: 'fcn8s'; network: FCN8sConfig };

/** A segmenter and its training, each section typed. */
export type SegmenterConfig = SegmenterNetworkConfig & { trainer: SegmenterTrainerConfig };

/** What a run config's `model.segmenter` gives (the pipeline's own keys — pseudo-labels, init weights — aside). */
export interface SegmenterConfigInput {
  arch?: SegmenterArch;
  network?: Record<string, unknown>;
  trainer?: Record<string, unknown>;
}

/** Bad segmenter config: every problem, each naming its field and quoting what was received. */
export class SegmenterConfigError extends Error {
  constructor(readonly owner: string, readonly problems: ConfigProblem[]) {
    super(`${owner}: ${problems.map((p) => describeConfigProblem(p, ', ')).join('; ')}`);
    this.name = 'SegmenterConfigError';
  }
}

function knownKeysOf(schema: z.AnyZodObject): KnownConfigKeys {
  return (path) => (path === '' ? Object.keys(schema.shape) : undefined);
}

function parse<T extends z.ZodTypeAny>(owner: string, schema: T, input: unknown, known?: KnownConfigKeys): z.output<T> {
  return parseConfig(schema, input, (problems) => new SegmenterConfigError(owner, problems), known);
}

/** The deprecation notice of a renamed network key. */
export const DEPRECATED_WIDTH =
  "'width' is deprecated: it is now 'widthMultiplier' (the same channel multiplier, same meaning); rename it — 'width' will stop being accepted";

/**
 * A network section (either architecture) with its deprecated keys under
 * their current names: `width`, the segmenters' former name of the width
 * multiplier, becomes `widthMultiplier` (one name per idea across packages;
 * same meaning). `onDeprecated` hears each rename. A section giving both
 * names is returned as it is (the resolvers refuse it).
 */
export function upgradeSegmenterNetworkKeys(network: Record<string, unknown>, onDeprecated?: (message: string) => void): Record<string, unknown> {
  if (!('width' in network) || 'widthMultiplier' in network) return network;
  onDeprecated?.(DEPRECATED_WIDTH);
  const { width, ...rest } = network;
  return { ...rest, widthMultiplier: width };
}

function renameWidth(owner: string, input: Record<string, unknown>, onDeprecated?: (message: string) => void): Record<string, unknown> {
  if ('width' in input && 'widthMultiplier' in input) {
    throw new SegmenterConfigError(owner, [{ path: 'width', message: "and 'widthMultiplier' are the same setting; give only widthMultiplier", received: input['width'] }]);
  }
  return upgradeSegmenterNetworkKeys(input, onDeprecated);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `OutputDiscriminator`'s options, defaults filled; throws `SegmenterConfigError` naming the bad field. */
export function resolveOutputDiscriminatorConfig(input: OutputDiscriminatorConfigInput = {}): z.output<typeof OutputDiscriminatorOptionsSchema> {
  return parse('OutputDiscriminator', OutputDiscriminatorOptionsSchema, input, knownKeysOf(OutputDiscriminatorOptionsSchema));
}

/** DeepLabV2's options, defaults filled; throws `SegmenterConfigError` naming the bad field. */
export function resolveDeepLabV2Config(input: DeepLabV2ConfigInput & { width?: number } = {}, onDeprecated?: (message: string) => void): DeepLabV2Config {
  const owner = 'DeepLabV2';
  return parse(owner, DeepLabV2ConfigSchema, renameWidth(owner, { ...input }, onDeprecated), knownKeysOf(DeepLabV2ConfigSchema));
}

/** FCN8s' options, defaults filled; throws `SegmenterConfigError` naming the bad field. */
export function resolveFCN8sConfig(input: FCN8sConfigInput & { width?: number } = {}, onDeprecated?: (message: string) => void): FCN8sConfig {
  const owner = 'FCN8s';
  return parse(owner, FCN8sConfigSchema, renameWidth(owner, { ...input }, onDeprecated), knownKeysOf(FCN8sConfigSchema));
}

/** The trainer's options for a segmenter of `arch`, defaults filled (`SEGMENTER_TRAINER_DEFAULTS`). */
export function resolveSegmenterTrainerConfig(arch: SegmenterArch, input: SegmenterTrainerConfigInput = {}): SegmenterTrainerConfig {
  const t = parse('SegmenterTrainer', SegmenterTrainerConfigSchema, input, knownKeysOf(SegmenterTrainerConfigSchema));
  const d = SEGMENTER_TRAINER_DEFAULTS[arch];
  return {
    lambdaAdv: t.lambdaAdv ?? d.lambdaAdv,
    segmenterOptimizer: t.segmenterOptimizer ?? structuredClone(d.segmenterOptimizer),
    discriminatorOptimizer: t.discriminatorOptimizer ?? structuredClone(d.discriminatorOptimizer),
    discriminator: t.discriminator,
  };
}

/**
 * A run config's `model.segmenter` as typed sections: the architecture's
 * network options and the trainer's, defaults filled. `numClasses` is not a
 * config key (the label space of @semadapt/labels decides it). Every problem
 * of both sections is reported at once, under `network.` / `trainer.`;
 * `onDeprecated` hears about renamed keys still in use.
 */
export function resolveSegmenterConfig(input: SegmenterConfigInput = {}, onDeprecated?: (message: string) => void): SegmenterConfig {
  const arch = input.arch ?? 'deeplabv2';
  if (!(SEGMENTER_ARCHS as readonly string[]).includes(arch)) {
    throw new SegmenterConfigError('segmenter', [{ path: 'arch', message: `must be one of ${SEGMENTER_ARCHS.join(', ')}`, received: arch }]);
  }
  const problems: ConfigProblem[] = [];
  const under = (section: string, e: unknown): void => {
    if (!(e instanceof SegmenterConfigError)) throw e;
    problems.push(...e.problems.map((p) => ({ ...p, path: `${section}.${p.path}` })));
  };
  const rawNetwork = isPlainObject(input.network) ? input.network : {};
  let network: DeepLabV2Config | FCN8sConfig | undefined;
  if ('numClasses' in rawNetwork) {
    problems.push({ path: 'network.numClasses', message: 'is not a config key (the classes are the label space of @semadapt/labels)', received: rawNetwork['numClasses'] });
  } else {
    try {
      network = arch === 'deeplabv2' ? resolveDeepLabV2Config(rawNetwork, onDeprecated) : resolveFCN8sConfig(rawNetwork, onDeprecated);
    } catch (e) {
      under('network', e);
    }
  }
  let trainer: SegmenterTrainerConfig | undefined;
  try {
    trainer = resolveSegmenterTrainerConfig(arch, isPlainObject(input.trainer) ? input.trainer : {});
  } catch (e) {
    under('trainer', e);
  }
  if (problems.length || !network || !trainer) throw new SegmenterConfigError(`segmenter (${arch})`, problems);
  return { arch, network, trainer } as SegmenterConfig;
}

const UNIT_INTERVAL = 'must be in (0, 1]';
const unitInterval = () => z.number({ invalid_type_error: UNIT_INTERVAL }).gt(0, UNIT_INTERVAL).lte(1, UNIT_INTERVAL);

/**
 * How pseudo-labels keep pixels (SPEC §3): `threshold` keeps a pixel iff its
 * max probability ≥ δ; `class-median` (BDL's `SSL.py`) uses per class the
 * median confidence of its pixels, capped, streamed through a histogram.
 */
export const PseudoLabelRuleSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .object({
        kind: z.literal('threshold'),
        /** δ; a pixel is kept iff its max probability ≥ δ. Default 0.9 (SPEC §3 (R)). */
        delta: unitInterval().default(0.9),
      })
      .strict(),
    z
      .object({
        kind: z.literal('class-median'),
        /** Upper cap of every class threshold. Default 0.9 (BDL). */
        cap: unitInterval().default(0.9),
        /** Histogram bins over [0, 1] for the streaming median. Default 10,000 (precision 1e-4). */
        bins: positiveInteger().default(10_000),
      })
      .strict(),
  ],
  { errorMap: (issue, ctx) => (issue.code === z.ZodIssueCode.invalid_union_discriminator ? { message: "must be 'threshold' or 'class-median'" } : { message: ctx.defaultError }) },
);
/** A pseudo-label rule as callers give it (fields optional). */
export type PseudoLabelMode = z.input<typeof PseudoLabelRuleSchema>;
/** A pseudo-label rule, every field filled. */
export type PseudoLabelRule = z.output<typeof PseudoLabelRuleSchema>;

/** The rule with its defaults filled; throws naming the bad field and quoting the value. */
export function resolvePseudoLabelRule(input: PseudoLabelMode = { kind: 'threshold' }): PseudoLabelRule {
  return parse('pseudo-labels', PseudoLabelRuleSchema, input);
}
