/**
 * Configuration of the semantically adaptive translator (SPEC §2), in two
 * sections: the `network` (sizes and the SPADE ablation switch, paper Table 3)
 * that `Translator` builds, and the `trainer` (the SCE ablation switch, loss
 * weights, TTUR optimization) that `TranslatorTrainer` runs. One zod schema per
 * section holds every field's only default and check; values marked (R) are
 * reconstructed (SPEC preamble) — the paper's own numbers were lost in
 * extraction.
 *
 * A run config's `model.translator` is the two sections' fields side by side
 * (`{ widthMultiplier, lossWeights, … }`); `resolveTranslatorConfig` splits it.
 */
import { z } from 'zod';
import {
  booleanField as bool,
  describeConfigProblem,
  lrScheduleField,
  nonNegativeField as nonNegative,
  parseConfig,
  positiveField as positive,
  positiveIntegerField as positiveInteger,
  unitIntervalField,
} from '@semadapt/core-layers';

/** A learning-rate schedule, checked by core-layers' `validateSchedule` (its message names the bad field). */
const schedule = lrScheduleField();

const BETAS = 'must be a pair of numbers in [0, 1)';
const beta = unitIntervalField(BETAS);

/** The networks: E_s, E_t, G_s, G_t, D_s, D_t (SPEC §2, Appendix B). */
export const TranslatorNetworkSchema = z
  .object({
    /**
     * Multiplies every channel count of Appendix B (64/128/256/512 and the
     * SPADE hidden width), rounded, at least 1 (core-layers `scaledChannels`).
     * Default 1 (the paper); tiny values are for CPU tests.
     */
    widthMultiplier: positive().default(1),
    /** Residual blocks in each encoder and each generator. Default 4 (Appendix B). */
    residualBlocks: positiveInteger().default(4),
    /** Channels of the guidance logits `S(x)`: 19 (GTA5→Cityscapes), 16 or 13 (SYNTHIA settings). Default 19 (SPEC §1, §6). */
    guidanceClasses: positiveInteger().default(19),
    /** Hidden channels of SPADE's shared conv, before the width multiplier. Default 128 (SPEC §2). */
    spadeHidden: positiveInteger().default(128),
    /** Scales of each multi-scale discriminator. Default 3 (SPEC §2). */
    discriminatorScales: positiveInteger().default(3),
    /** Ablation (Table 3): SPADE residual blocks in the generators. Off: plain IN residual blocks and no guidance input. Default true. */
    spade: bool().default(true),
    /** Seed of the weight initializers and spectral-norm vectors. Default 0. */
    seed: z.number({ invalid_type_error: 'must be an integer' }).int('must be an integer').default(0),
    /**
     * Memory, not math: recompute each encoder/generator stage's activations in
     * the backward pass instead of keeping them (core-layers `recomputed`): same
     * gradients, one more forward of E and G per step. Default false: on the
     * native backend the paper's 512×512 full-width step peaks at 6.9 GB
     * without it; at 256×256 it lowers the peak from 3.2 to 2.2 GB (README,
     * "What the gradient tape holds"). For wasm's 4 GB heap or a shared machine.
     */
    recomputeActivations: bool().default(false),
  })
  .strict();

/** Weights of the translator's loss terms (SPEC §2; all (R)). */
const LossWeightsSchema = z
  .object({
    /** LSGAN generator term, both domains. Default 1 (R). */
    adv: nonNegative().default(1),
    /** Reconstruction `‖x_ss − x_s‖₁ + ‖x_tt − x_t‖₁`. Default 10 (R). */
    rec: nonNegative().default(10),
    /** Image cycle `‖x_sts − x_s‖₁ + ‖x_tst − x_t‖₁`. Default 10 (R). */
    cyc: nonNegative().default(10),
    /** Latent cycle `‖E_t(x_st) − E_s(x_s)‖₁ + ‖E_s(x_ts) − E_t(x_t)‖₁`. Default 1 (R). */
    latent: nonNegative().default(1),
    /** Symmetric cross-entropy `SCE(S(x_s), S(x_st)) + SCE(S(x_t), S(x_ts))`. Default 1 (R). Used only when `sce` is on. */
    sce: nonNegative().default(1),
  })
  .strict();

/** TTUR optimization of the translator (SPEC §2). */
const OptimizationSchema = z
  .object({
    /** Adam learning rate of E_s, E_t, G_s, G_t. Default 1e-4 (SPEC §2). */
    lrGenerator: positive().default(1e-4),
    /** Adam learning rate of D_s, D_t. Default 4e-4 (SPEC §2). */
    lrDiscriminator: positive().default(4e-4),
    /** Adam (β1, β2), both optimizers. Default [0, 0.9] (R, SPADE's TTUR setting). */
    betas: z.tuple([beta, beta], { invalid_type_error: BETAS }).default(() => [0, 0.9] as [number, number]),
    /** Schedule of both rates. Default poly, power 0.9, to 0 over 1,000,000 steps (R). */
    schedule: schedule.default(() => ({ kind: 'poly', maxSteps: 1_000_000, power: 0.9 })),
  })
  .strict();

/** The training: what `TranslatorTrainer` minimizes and how. */
export const TranslatorTrainerSchema = z
  .object({
    /** Ablation (Table 3): the symmetric cross-entropy term (needs a segmenter callback). Default true. */
    sce: bool().default(true),
    /** Loss weights. Defaults: adv 1, rec 10, cyc 10, latent 1, sce 1 (R). */
    lossWeights: LossWeightsSchema.default({}),
    /** TTUR Adam settings and schedule. */
    optimization: OptimizationSchema.default({}),
  })
  .strict();

/** The translator's networks, every field filled. */
export type TranslatorNetworkConfig = z.output<typeof TranslatorNetworkSchema>;
/** What callers may give for the networks: any subset. */
export type TranslatorNetworkConfigInput = z.input<typeof TranslatorNetworkSchema>;
/** The translator's training, every field filled. */
export type TranslatorTrainerConfig = z.output<typeof TranslatorTrainerSchema>;
/** What callers may give for the training: any subset, nested objects partially. */
export type TranslatorTrainerConfigInput = z.input<typeof TranslatorTrainerSchema>;
export type TranslatorLossWeights = TranslatorTrainerConfig['lossWeights'];
export type TranslatorOptimization = TranslatorTrainerConfig['optimization'];

/** A translator and its training, each section typed. */
export interface TranslatorConfig {
  network: TranslatorNetworkConfig;
  trainer: TranslatorTrainerConfig;
}

/** A run config's `model.translator`: both sections' fields side by side, any subset. */
export type TranslatorConfigInput = TranslatorNetworkConfigInput & TranslatorTrainerConfigInput;

const FlatSchema = TranslatorNetworkSchema.merge(TranslatorTrainerSchema).strict();
const NETWORK_KEYS = Object.keys(TranslatorNetworkSchema.shape);

function knownKeys(path: string): readonly string[] | undefined {
  if (path === '') return Object.keys(FlatSchema.shape);
  if (path === 'lossWeights') return Object.keys(LossWeightsSchema.shape);
  if (path === 'optimization') return Object.keys(OptimizationSchema.shape);
  return undefined;
}

function parse<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  return parseConfig(schema, input, (problems) => new Error(`TranslatorConfig: ${problems.map((p) => describeConfigProblem(p)).join('; ')}`), knownKeys);
}

/**
 * The two sections of a `model.translator` config, defaults filled and every
 * value checked. Unknown keys, wrong types and out-of-range values throw,
 * naming the field and quoting the value received.
 */
export function resolveTranslatorConfig(input: TranslatorConfigInput = {}): TranslatorConfig {
  const flat = parse(FlatSchema, input);
  const network: Record<string, unknown> = {};
  const trainer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) (NETWORK_KEYS.includes(k) ? network : trainer)[k] = v;
  return { network: network as TranslatorNetworkConfig, trainer: trainer as TranslatorTrainerConfig };
}

/** The `network` section alone, defaults filled (what `Translator` is built from). */
export function resolveTranslatorNetworkConfig(input: TranslatorNetworkConfigInput = {}): TranslatorNetworkConfig {
  return parse(TranslatorNetworkSchema, input);
}

/** The `trainer` section alone, defaults filled (what `TranslatorTrainer` runs with). */
export function resolveTranslatorTrainerConfig(input: TranslatorTrainerConfigInput = {}): TranslatorTrainerConfig {
  return parse(TranslatorTrainerSchema, input);
}

/** A resolved config as a run config's `model.translator` (both sections side by side). */
export function translatorConfigInput(config: TranslatorConfig): TranslatorConfigInput {
  return { ...config.network, ...config.trainer };
}
